// The dev servers the workflow tests start for themselves (the CLI of scripts/build-binaries.sh), with their output in
// a log file instead of the test run's: the start banner and the errors a dev server logs while a test tears it down
// under running executions. A server that fails to start still fails its test (the SDK waits for its port); its log
// says why. (The Java time-skipping test server keeps its output: its SLF4J notice is three lines a run.)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_OUTPUTS } from './runOutputs';

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

/**
 * A launcher that runs `path` in its own place (exec: the SDK stops the server itself) with its output appended to
 * `logName`: one file in dist-test/ per binary and log, named by both, written aside and renamed (test files write
 * it at the same time), and reused by the next runs.
 */
function quietly(path: string, logName: string): string {
  const log = join(testServerLogFolder(), logName);
  const script = `#!/bin/sh\nexec ${shellQuoted(path)} "$@" >>${shellQuoted(log)} 2>&1\n`;
  const launcher = join(RUN_OUTPUTS, `quietly-${createHash('sha256').update(script).digest('hex').slice(0, 16)}`);
  if (!existsSync(launcher)) {
    mkdirSync(RUN_OUTPUTS, { recursive: true });
    const partial = `${launcher}.${process.pid}.partial`;
    writeFileSync(partial, script, { mode: 0o755 });
    renameSync(partial, launcher);
  }
  return launcher;
}

function shellQuoted(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
