// GET /metrics: Prometheus text with the API's own series (requests by route pattern, check-ins by directive,
// uploads) and the figures read from the stores when scraped (batches running, devices pending, the longest stall,
// locks by status, how far locks are past their end).
import { expectStatus } from './apiClient';
import { TestStack, startTestStack, waitFor } from './harness';
import { lockClients, lockableDevice } from './tempLockSupport';

describe('API metrics', () => {
  let stack: TestStack;
  let base: string;

  beforeAll(async () => {
    stack = await startTestStack();
    base = await stack.startApi();
  });
  afterAll(async () => stack.close());

  it('answers Prometheus text: requests by route pattern, check-ins by directive, failed keys, the stores’ figures', async () => {
    const device = await lockableDevice(stack);
    const { gateway, uid } = lockClients(base, device);
    expect(expectStatus(await gateway.post('/devices/{uid}/check-in', uid), 200).directive).toBe('NONE');
    expect((await fetch(`${base}/v1/me`, { headers: { 'X-API-Key': 'do_unknown_key' } })).status).toBe(401);

    const answer = await fetch(`${base}/metrics`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await answer.text();
    expect(text).toMatch(/do_api_request_duration_seconds_count\{method="POST",route="\/v1\/devices\/:uid\/check-in",status="200"\} 1/);
    expect(text).toMatch(/do_check_in_duration_seconds_count\{directive="NONE"\} 1/);
    expect(text).toMatch(/do_auth_failures_total\{reason="unauthenticated"\} 1/);
    expect(text).toMatch(/^do_batches_running \d+$/m);
    expect(text).toMatch(/^do_batch_devices_pending \d+$/m);
    expect(text).toMatch(/^do_batch_stalled_seconds [\d.]+$/m);
    expect(text).toMatch(/^do_temp_locks\{status="ACTIVATED"\} \d+$/m);
    expect(text).toMatch(/^do_temp_lock_past_end_seconds\{status="ACTIVATED"\} [\d.]+$/m);
    expect(text).toMatch(/^do_temp_lock_past_end_seconds\{status="DEACTIVATING"\} [\d.]+$/m);
    // Routes by pattern: no device UID ever becomes a label.
    expect(text).not.toContain(device.uid);
  });

  it('tells how far past its end the running lock furthest past it is, by status', async () => {
    const device = await lockableDevice(stack);
    // A lock its workflow never unlocked (workers down): ACTIVATED, its end two minutes ago.
    await stack.pool.query(
      `INSERT INTO t_device_temp_lock (device_id, action_id, status, seq, duration_ms, working_hours, lock_ends_at, updated_at)
       VALUES ($1, $2, 'ACTIVATED', 2, 60000, false, now() - interval '120 seconds', now() - interval '180 seconds')`,
      [device.deviceId, stack.uniqueId('overdue')],
    );
    try {
      // The store figures are read at most once a second: the scrape just before may still answer.
      const pastEnd = await waitFor(
        'the overdue lock in the figures',
        async () => {
          const text = await (await fetch(`${base}/metrics`)).text();
          const seconds = Number(/^do_temp_lock_past_end_seconds\{status="ACTIVATED"\} ([\d.]+)$/m.exec(text)?.[1]);
          return seconds >= 120 ? seconds : undefined;
        },
        10_000,
      );
      expect(pastEnd).toBeLessThan(3600);
    } finally {
      await stack.pool.query('DELETE FROM t_device_temp_lock WHERE device_id = $1', [device.deviceId]);
    }
  });
});
