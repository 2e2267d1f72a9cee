// internalErrorMessage: names the failing part and what to do, never repeats the driver's text.
import { internalErrorMessage } from '../../../src/platform/internalErrors';

describe('internalErrorMessage', () => {
  it.each([
    [
      'retries exhausted while assigning 353456789012348: connect ECONNREFUSED 127.0.0.1:55432 (postgres)',
      'the inventory database (PostgreSQL)',
    ],
    ['MongoServerSelectionError: connection <monitor> to 127.0.0.1:27017 closed', 'the workflow store (MongoDB)'],
    ['the device workflow ended without a result', 'the orchestration service (Temporal)'],
    ['simulated gateway outage', 'the device-control gateway'],
    ['Something odd at 0x7f3a', 'a backing service'],
  ])('%s → %s', (raw, part) => {
    const message = internalErrorMessage(raw);
    expect(message).toContain(part);
    expect(message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|MongoServer|0x7f3a/);
  });
});
