// The Temporal SDK's log entries as the worker writes them: one line each, errors summarized.
import pino from 'pino';
import { Writable } from 'node:stream';
import { ACTIVITY_ONLY_WORKER_MESSAGE, NO_HEARTBEAT_CAPABILITY_MESSAGE, sdkLogger } from '../../../src/platform/worker/sdkLogger';

function capture(level = 'warn') {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, logger: sdkLogger(pino({ level }, sink)) };
}

/** An error shaped like the driver's server-selection error: a cause, and a large `reason` object. */
function selectionError(): Error {
  const err = new Error('connection 4 to 127.0.0.1:27217 closed', { cause: new Error('read ECONNRESET') });
  err.name = 'MongoServerSelectionError';
  Object.assign(err, { reason: { servers: new Map([['127.0.0.1:27217', { type: 'Unknown', hosts: [], tags: {} }]]) } });
  return err;
}

describe('sdkLogger', () => {
  it("writes a failed activity attempt as one line with the error's type and message, no stack", () => {
    const { lines, logger } = capture();
    logger.warn('Activity failed', { error: selectionError(), activityType: 'writeRowResult', attempt: 3 });

    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({
      msg: 'Activity failed',
      activityType: 'writeRowResult',
      attempt: 3,
      error: { type: 'MongoServerSelectionError', message: 'connection 4 to 127.0.0.1:27217 closed', cause: 'read ECONNRESET' },
    });
    expect(entry.error.stack).toBeUndefined();
    expect(entry.error.reason).toBeUndefined();
  });

  it('keeps the stack on ERROR entries, and only the first line of a message', () => {
    const { lines, logger } = capture();
    const err = new Error('first line\nsecond line');
    logger.error('Worker failed', { error: err });

    const entry = JSON.parse(lines[0]!);
    expect(entry.error.message).toBe('first line');
    expect(entry.error.stack).toContain('second line');
  });

  it("follows the app logger's level", () => {
    const { lines, logger } = capture('warn');
    logger.info('Worker state changed', { state: 'RUNNING' });
    logger.debug('Activity completed', { durationMs: 3 });
    logger.log('WARN', 'Activity failed', { error: new Error('boom') });

    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['Activity failed']);
  });

  it('logs an activity-only worker\'s "No workflows registered" at debug, not as a warning', () => {
    const warnings = capture('warn');
    warnings.logger.warn(ACTIVITY_ONLY_WORKER_MESSAGE, { taskQueue: 'q-gateway-locks' });
    expect(warnings.lines).toEqual([]);

    const debug = capture('debug');
    debug.logger.warn(ACTIVITY_ONLY_WORKER_MESSAGE, { taskQueue: 'q-gateway-locks' });
    expect(debug.lines.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ level: 20, msg: ACTIVITY_ONLY_WORKER_MESSAGE })]);
  });

  it("logs the core's missing-heartbeat-capability warning at debug; other warnings stay warnings", () => {
    const warnings = capture('warn');
    warnings.logger.warn(
      `${NO_HEARTBEAT_CAPABILITY_MESSAGE} are preserved when an activity fails; the server did not advertise the activity_failure_include_heartbeat capability`,
    );
    warnings.logger.warn('Workflow task duration exceeded 5 seconds.');
    expect(warnings.lines.map((l) => JSON.parse(l).msg)).toEqual(['Workflow task duration exceeded 5 seconds.']);
  });
});
