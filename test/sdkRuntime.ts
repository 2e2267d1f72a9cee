// The Temporal SDK's runtime for a test process: the SDK's and its core's log lines from `level` up on stderr,
// without the warnings the worker itself logs at debug (isExpectedSdkWarning), so a passing run prints only
// what it explains. Installed once per process.
//
// Two kinds of warnings are not printed line by line:
// - those a test causes on purpose (a simulated gateway outage, a device the gateway refuses, a webhook receiver
//   that is down): the test declares them with expectSdkWarnings / expectActivityFailures, and they are collected
//   for it to assert on;
// - the core's timing notes: a workflow task that took long (TMPRL1104, over 5 s) and what follows from it (a task or
//   query that timed out meanwhile), an activity that completed after its workflow had ended: on a loaded machine,
//   or when a test ends workflows under running activities, they come in dozens and fail nothing by themselves (a
//   test that depends on timing asserts it). They are counted, and test/sdkWarnings.ts prints one line after the
//   file's tests, saying how many of each kind and what they mean.
// A warning of any other kind is printed, with the test file it came from.
import type { Logger } from '@temporalio/common';
import { DefaultLogger, LogEntry, LogLevel, Runtime } from '@temporalio/worker';
import EventEmitter from 'node:events';
import { basename } from 'node:path';
import { forwardedCoreLogs, isExpectedSdkWarning } from '../src/platform/worker/sdkLogger';

let installed = false;

/**
 * What every test file run by one jest worker process shares. Jest gives each file a module registry of its own, so
 * each has its own copy of this module (and of the SDK's Runtime), while the SDK's core forwards its log lines to the
 * logger of the first runtime installed in the process: the expectations, the counts and the current file live on an
 * object that every copy reaches, a property of a Node.js built-in module (jest does not load those again per file).
 */
interface SharedState {
  expectations: Set<ExpectedSdkWarnings>;
  timingCounts: Map<string, number>;
  testFile: string | undefined;
}
const SHARED = Symbol.for('device-orchestrator/test/sdkRuntime');
const holder = EventEmitter as unknown as Record<symbol, SharedState | undefined>;
const shared: SharedState = (holder[SHARED] ??= { expectations: new Set(), timingCounts: new Map(), testFile: undefined });
const expectations = shared.expectations;

/** The core's timing warnings (see above), by what each means. */
const TIMING_WARNINGS: { pattern: RegExp; meaning: string }[] = [
  { pattern: /Workflow task duration exceeded/, meaning: 'workflow tasks that took over 5 s (TMPRL1104)' },
  { pattern: /^Task not found when completing/, meaning: 'workflow tasks completed after their timeout, so run again' },
  { pattern: /^Query not found when attempting to respond/, meaning: 'queries answered after their timeout' },
  { pattern: /^Tried to complete untracked local activity/, meaning: 'local activities completed after their workflow task timed out' },
  { pattern: /^Activity not found on completion/, meaning: 'activities completed after their workflow had ended or moved on' },
];
const timingWarningCounts = shared.timingCounts;

export function installTestRuntime(level: LogLevel = (process.env.DO_TEST_LOG_LEVEL as LogLevel | undefined) ?? 'WARN'): void {
  if (installed) return;
  installed = true;
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      // Collected or counted either way; printed as well with DO_TEST_PRINT_ALL_WARNINGS=1.
      if (entry.level === 'WARN' && !shouldPrint(entry) && !printAllWarnings()) return;
      const file = currentTestFile();
      process.stderr.write(`${entry.level}${file ? ` [${file}]` : ''} ${entry.message} ${entry.meta ? JSON.stringify(entry.meta) : ''}\n`);
    }),
    telemetryOptions: { logging: forwardedCoreLogs },
  });
}

function shouldPrint(entry: LogEntry): boolean {
  if (isExpectedSdkWarning(entry.message)) return false;
  for (const expected of expectations) if (expected.take(entry)) return false;
  const slow = TIMING_WARNINGS.find(({ pattern }) => pattern.test(entry.message));
  if (slow) {
    timingWarningCounts.set(slow.meaning, (timingWarningCounts.get(slow.meaning) ?? 0) + 1);
    return false;
  }
  return true;
}

/** DO_TEST_PRINT_ALL_WARNINGS=1 prints every warning as it comes, expected or not (for a closer look at a run). */
function printAllWarnings(): boolean {
  return process.env.DO_TEST_PRINT_ALL_WARNINGS === '1';
}

/** The timing warnings counted since the last call, "N × what they mean" for each kind (empty when there were none). */
export function takeTimingWarningCounts(): string[] {
  const lines = [...timingWarningCounts].map(([meaning, count]) => `${count} × ${meaning}`);
  timingWarningCounts.clear();
  return lines;
}

/** The test file now running in this process (test/sdkWarnings.ts sets it before each file's tests). */
export function setCurrentTestFile(path: string | undefined): void {
  shared.testFile = path ? basename(path) : undefined;
}

function currentTestFile(): string | undefined {
  if (shared.testFile) return shared.testFile;
  const state = (globalThis as { expect?: { getState(): { testPath?: string } } }).expect?.getState();
  return state?.testPath ? basename(state.testPath) : undefined;
}

/** Ends every expectation (test/sdkWarnings.ts, after each test): a test that failed before its stop() leaves none behind. */
export function stopExpectedSdkWarnings(): void {
  expectations.clear();
}

/** Warnings that a test causes on purpose, collected until stop() (or the test's end) instead of printed. */
export interface ExpectedSdkWarnings {
  /** The warnings collected so far. */
  readonly entries: LogEntry[];
  /** Stops collecting: later warnings of that kind are printed again. */
  stop(): void;
  /** @internal whether the entry is one of these (then it is collected, not printed). */
  take(entry: LogEntry): boolean;
}

/** From now until stop() or the test's end, WARN entries that `matches` are collected instead of printed. ERROR entries always print. */
export function expectSdkWarnings(matches: (entry: LogEntry) => boolean): ExpectedSdkWarnings {
  const entries: LogEntry[] = [];
  const expected: ExpectedSdkWarnings = {
    entries,
    stop: () => void expectations.delete(expected),
    take(entry) {
      if (entry.level !== 'WARN' || !matches(entry)) return false;
      entries.push(entry);
      return true;
    },
  };
  expectations.add(expected);
  return expected;
}

/**
 * The worker's "Activity failed" warnings of `activityType` whose error (its name, type and first line) matches
 * `error`: the attempts a test fails on purpose.
 */
export function expectActivityFailures(activityType: string, error: RegExp): ExpectedSdkWarnings {
  return expectSdkWarnings(
    (entry) => entry.message === 'Activity failed' && entry.meta?.activityType === activityType && error.test(activityError(entry)),
  );
}

/** An "Activity failed" entry's error as one line: its name, type and first line. */
export function activityError(entry: LogEntry): string {
  const err = entry.meta?.error as (Error & { type?: string }) | undefined;
  return err ? `${err.name} ${err.type ?? ''} ${err.message.split('\n', 1)[0]}` : '';
}

/**
 * A logger for the SDK's MockActivityEnvironment that keeps its lines instead of printing them: an activity a test
 * fails on purpose logs "Activity failed" with its stack, which the test asserts on rather than prints.
 */
export function keepingLogger(): { logger: Logger; lines: { level: LogLevel; message: string }[] } {
  const lines: { level: LogLevel; message: string }[] = [];
  const keep = (level: LogLevel) => (message: string) => void lines.push({ level, message });
  const logger: Logger = {
    log: (level, message) => keep(level)(message),
    trace: keep('TRACE'),
    debug: keep('DEBUG'),
    info: keep('INFO'),
    warn: keep('WARN'),
    error: keep('ERROR'),
  };
  return { logger, lines };
}
