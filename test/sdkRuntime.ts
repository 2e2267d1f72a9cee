// The Temporal SDK's runtime for a test process: the SDK's and its core's log lines from `level` up on stderr,
// without the warnings the worker itself logs at debug (isExpectedSdkWarning), so a passing run prints only
// what it explains. Installed once per process.
import { DefaultLogger, LogLevel, Runtime } from '@temporalio/worker';
import { forwardedCoreLogs, isExpectedSdkWarning } from '../src/platform/worker/sdkLogger';

let installed = false;

export function installTestRuntime(level: LogLevel = (process.env.DO_TEST_LOG_LEVEL as LogLevel | undefined) ?? 'WARN'): void {
  if (installed) return;
  installed = true;
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      if (entry.level === 'WARN' && isExpectedSdkWarning(entry.message)) return;
      process.stderr.write(`${entry.level} ${entry.message} ${entry.meta ? JSON.stringify(entry.meta) : ''}\n`);
    }),
    telemetryOptions: { logging: forwardedCoreLogs },
  });
}
