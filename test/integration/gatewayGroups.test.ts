// Seed 002's executor: commands due together go to the gateway as one request per (tenant, provision type, service
// type, kind). 300 locks of one tenant and service type assigned at once, through the product's HTTP client and an
// HTTP gateway double: a handful of LOCK requests and of UNLOCK requests, every device one LOCK then one UNLOCK, and
// a device the gateway refuses inside a group ends its lock FAILED while the rest of the group proceeds.
import { ObjectId } from 'mongodb';
import { createApiKey, imeiWithCheckDigit, insertDevices } from '../../dev/inventorySeed';
import { DeviceState } from '../../src/devices/states';
import { apiClient, expectStatus } from './apiClient';
import { TestStack, createTenantWithKey, startServingStack, waitFor } from './harness';
import { HttpGatewayDouble } from './httpGatewayDouble';

const LOCKS = 300;
const SERVICE_TYPE = 7;
/** Requests in flight from the test at once (assigns, check-ins), as a fleet's clients would send them. */
const CONCURRENCY = 30;

jest.setTimeout(300_000);

describe('gateway commands in groups', () => {
  let gateway: HttpGatewayDouble;
  let stack: TestStack;
  let base: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    gateway = await HttpGatewayDouble.start();
    ({ stack, base, stop } = await startServingStack({
      GATEWAY_URL: gateway.url,
      // Commands of one storm arrive in the worker over a few seconds on these loaded machines (the API starts the
      // 300 locks one by one); a second of gathering keeps each group whole.
      GATEWAY_GROUP_WAIT_MS: '1000',
      // A lock "minute" of 10 s: the lock ends, and its UNLOCK is due, 10 s after the device's check-in.
      TEMP_LOCK_MINUTE_MS: '10000',
      TEMP_LOCK_DEACTIVATION_WAIT_MS: '20000',
      RATE_LIMIT_PER_SECOND: '0',
    }));
  });
  afterAll(async () => {
    await stop();
    await gateway.close();
  });

  it('300 locks of one tenant and service type due together: ≤ 10 LOCK and ≤ 10 UNLOCK requests; a refused device FAILED, the rest unlocked', async () => {
    const { tenantId, apiKey } = await createTenantWithKey(stack);
    const gatewayKey = await createApiKey(stack.pool, tenantId, `gateway-${tenantId}`, 'device_gateway');
    const uids = Array.from({ length: LOCKS }, (_, i) => imeiWithCheckDigit(`35${String(7_000_000_000 + i * 7919).padStart(12, '0')}`));
    await insertDevices(
      stack.pool,
      tenantId,
      uids.map((uid) => ({ uid, stateId: DeviceState.ACTIVE, serviceTypeId: SERVICE_TYPE })),
    );
    await stack.mongo.devices.insertMany(
      uids.map((uid) => ({
        tenant_id: tenantId,
        device_uid: uid,
        is_activating_workflow: false,
        workflow_version_id: new ObjectId().toHexString(),
        workflow: null,
        updated_at: new Date(),
      })),
    );
    const refused = uids[123]!;
    gateway.answer(refused, 'LOCK', { status: 404, message: 'unknown device' });
    const operator = apiClient(base, apiKey);
    const device = apiClient(base, gatewayKey);
    const checkIn = async (uid: string) => expectStatus(await device.post('/devices/{uid}/check-in', { path: { uid } }), 200);
    for (const uid of uids) gateway.deviceChecksInOnUnlock(uid, () => checkIn(uid));

    // The storm: every lock assigned at once.
    const actionIds = new Map<string, string>();
    await inParallel(uids, async (uid) => {
      const body = expectStatus(await operator.put('/devices/{uid}/temp-lock', { path: { uid }, body: { durationMinutes: 1 } }), 202);
      actionIds.set(uid, body.actionId);
    });
    const locked = await waitFor(
      'every device to be sent its LOCK',
      async () => {
        const seen = new Set(gateway.requests.filter((r) => r.kind === 'LOCK').map((r) => r.deviceUid));
        return seen.size === LOCKS ? seen : undefined;
      },
      120_000,
    );
    expect(locked.size).toBe(LOCKS);

    // Each device (but the refused one) checks in, is told LOCK, and its lock runs for 10 s.
    await inParallel(
      uids.filter((uid) => uid !== refused),
      async (uid) => {
        expect(await checkIn(uid)).toMatchObject({ directive: 'LOCK', actionId: actionIds.get(uid) });
      },
    );
    const refusedLock = await waitForLock(stack, actionIds.get(refused)!, (status) => status === 'FAILED');
    expect(refusedLock.cancel_reason).toMatch(/refused LOCK for device .*: 404 unknown device/);

    // The locks end; each device is unlocked and checks in on its UNLOCK push.
    const others = uids.filter((uid) => uid !== refused);
    await waitFor(
      'every other lock to end DEACTIVATED',
      async () => {
        const ended = await stack.mongo.deviceActions.countDocuments({
          _id: { $in: others.map((uid) => actionIds.get(uid)!) },
          status: 'DEACTIVATED',
        });
        return ended === others.length;
      },
      180_000,
    );

    const requestsOf = (kind: string) => gateway.commandRequests.filter((r) => r.kind === kind);
    const lockRequests = requestsOf('LOCK');
    const unlockRequests = requestsOf('UNLOCK');
    expect(lockRequests.length).toBeLessThanOrEqual(10);
    expect(unlockRequests.length).toBeLessThanOrEqual(10);
    for (const request of [...lockRequests, ...unlockRequests]) {
      expect(request).toMatchObject({
        tenantId,
        provisionType: 'default',
        serviceTypeId: SERVICE_TYPE,
        idempotencyKey: expect.any(String),
      });
    }
    // Every device one LOCK then one UNLOCK, in that order (the refused one is unlocked too: it may have been told LOCK).
    for (const uid of others) {
      expect(gateway.requestsFor(actionIds.get(uid)!).map((r) => `${r.kind} ${r.status}`)).toEqual(['LOCK 200', 'UNLOCK 200']);
    }
    expect(gateway.requestsFor(actionIds.get(refused)!).map((r) => `${r.kind} ${r.status}`)).toEqual(['LOCK 404', 'UNLOCK 200']);
  });
});

/** Runs `task` for every item, CONCURRENCY at a time. */
async function inParallel<T>(items: T[], task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runner = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, runner));
}

function waitForLock(stack: TestStack, actionId: string, done: (status: string) => boolean) {
  return waitFor(
    `action ${actionId} to end`,
    async () => {
      const doc = await stack.mongo.deviceActions.findOne({ _id: actionId });
      return doc && done(doc.status) ? doc : undefined;
    },
    120_000,
  );
}
