// The Temporal SDK's log entries through the app's pino logger, one short JSON line each. An activity
// attempt that fails is logged with its error's type, code and first message line, never its stack or
// properties: a store outage fails thousands of attempts, and the SDK's default logger printed the
// whole error (a server-selection error carries the driver's topology: ~80 lines) for every one.
import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/worker';
import type { Logger } from '../logger';

const PINO_LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};
/**
 * What the SDK warns at the start of a worker without workflows: the gateway's workers run activities only
 * (gatewayWorkers.ts), so for them it is expected, and it is logged at debug.
 */
export const ACTIVITY_ONLY_WORKER_MESSAGE = 'No workflows registered, not polling for workflow tasks';
/**
 * What the SDK's core warns at every worker start against a server that does not advertise the
 * `activity_failure_include_heartbeat` capability (the dev server of Temporal CLI 1.5.1, the Java test server):
 * heartbeat details may be lost when an activity fails. No activity here records heartbeat details, so it is
 * logged at debug.
 */
export const NO_HEARTBEAT_CAPABILITY_MESSAGE = 'Temporal Server 1.16.0 or newer is required to guarantee that the latest heartbeat details';
/** The SDK's warnings that are expected here (see above): logged at debug, never as warnings. */
export function isExpectedSdkWarning(message: string): boolean {
  return message === ACTIVITY_ONLY_WORKER_MESSAGE || message.startsWith(NO_HEARTBEAT_CAPABILITY_MESSAGE);
}
/** The SDK core's own log lines (Rust) forwarded to the Runtime's logger from WARN up, instead of printed raw to stderr. */
export const forwardedCoreLogs = { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } as const;
/** Longest message kept from an error (its first line). */
const MAX_MESSAGE_CHARS = 300;

export function sdkLogger(log: Logger): SdkLogger {
  const write = (given: LogLevel, message: string, meta?: LogMetadata) => {
    const level = given === 'WARN' && isExpectedSdkWarning(message) ? 'DEBUG' : given;
    const pinoLevel = PINO_LEVELS[level];
    if (!log.isLevelEnabled(pinoLevel)) return;
    log[pinoLevel](compactMeta(meta, level === 'ERROR'), message);
  };
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}

/** The entry's fields with every error reduced to a summary; the stack only on ERROR entries. */
function compactMeta(meta: LogMetadata | undefined, withStack: boolean): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta ?? {})) {
    fields[key] = value instanceof Error ? errorSummary(value, withStack) : value;
  }
  return fields;
}

function errorSummary(err: Error, withStack = false): Record<string, unknown> {
  const { code, type, cause } = err as Error & { code?: unknown; type?: unknown; cause?: unknown };
  return {
    type: typeof type === 'string' && type ? type : err.name,
    message: firstLine(err.message),
    ...(code !== undefined && code !== null ? { code } : {}),
    ...(cause instanceof Error && cause.message !== err.message ? { cause: firstLine(cause.message) } : {}),
    ...(withStack && err.stack ? { stack: err.stack } : {}),
  };
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > MAX_MESSAGE_CHARS ? `${line.slice(0, MAX_MESSAGE_CHARS)}…` : line;
}
