// The dev servers the workflow tests start for themselves (the CLI of scripts/build-binaries.sh), with their output in
// a log file instead of the test run's: the start banner and the errors a dev server logs while a test tears it down
// under running executions. A server that fails to start still fails its test (the SDK waits for its port); its log
// says why. (The Java time-skipping test server keeps its output: its SLF4J notice is three lines a run.)
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/** Where the servers' output goes: the local stack's log folder (DO_DATA_DIR/logs, as scripts/services.sh), or a temp folder. */
function testServerLogFolder(): string {
  const folder = join(process.env.DO_DATA_DIR ?? join(ROOT, '.data'), 'logs');
  mkdirSync(folder, { recursive: true });
  return folder;
}

/**
 * The dev server binary, as a launcher writing its output to test-dev-server.log: the path for
 * TestWorkflowEnvironment.createLocal's `executable: { type: 'existing-path', path }`.
 */
export function quietDevServerPath(): string {
  const path =
    process.env.DO_TEMPORAL_CLI ??
    execFileSync('bash', [join(ROOT, 'scripts', 'build-binaries.sh'), 'temporal'], { encoding: 'utf8' }).trim();
  return quietly(path, 'test-dev-server.log');
}

/** A launcher (one per process and binary) that runs `path` in its own place (exec: the SDK stops the server itself) with its output appended to `logName`. */
const launchers = new Map<string, string>();

function quietly(path: string, logName: string): string {
  const known = launchers.get(path);
  if (known) return known;
  const log = join(testServerLogFolder(), logName);
  const launcher = join(mkdtempSync(join(tmpdir(), 'do-test-server-')), 'quietly');
  writeFileSync(launcher, `#!/bin/sh\nexec ${shellQuoted(path)} "$@" >>${shellQuoted(log)} 2>&1\n`);
  chmodSync(launcher, 0o755);
  launchers.set(path, launcher);
  return launcher;
}

function shellQuoted(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
