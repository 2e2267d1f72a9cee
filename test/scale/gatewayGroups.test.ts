// Seed 002's executor: commands due together go to the gateway as one request per (tenant, provision type, service
// type, kind). 100 locks of one tenant and service type, through the product's worker and HTTP client and an HTTP
// gateway double: a handful of LOCK requests and of UNLOCK requests, every device one LOCK then one UNLOCK, and a
// device the gateway refuses inside a group ends its lock FAILED while the rest of the group proceeds.
//
// "Due together" is made exact: on these shared 2-core machines lock workflows reach their LOCK at ≈ 15 a second,
// and the server hands a backlog to the gateway's workers at ~75 a second, so the test holds the gateway's workers while a storm's commands queue on the server (all 100
// LOCKs scheduled; later all 99 UNLOCKs due), then starts them: every command of the storm is then due at once, as
// after a working-hours window opens or a worker restarts, and what is measured is the grouping alone (gathering for
// 2 s rather than the default 200 ms, for the server's pace here: 100 commands in ≤ 6 groups while it hands out
// at least 15 a second, as on a loaded machine; sent one by one they would be 100 requests). A storm counts as queued once every one of its commands is
// scheduled on the server (each lock's workflow described), not after a fixed wait.
import { Worker } from '@temporalio/worker';
import { ObjectId } from 'mongodb';
import { createApiKey, imeiWithCheckDigit, insertDevices } from '../../dev/inventorySeed';
import { createDeviceControlGateway } from '../../src/devices/gateway/createGateway';
import { DeviceState } from '../../src/devices/states';
import { tempLockWorkflowId } from '../../src/tempLocks/lock';
import { createActivities } from '../../src/platform/worker/activities';
import { createWorker } from '../../src/platform/worker/createWorker';
import { createGatewayWorkers, runTogether, shutdownAll } from '../../src/platform/worker/gatewayWorkers';
import { apiClient, expectStatus } from '../integration/apiClient';
import { TestStack, createTenantWithKey, startTestStack, waitFor } from '../integration/harness';
import { HttpGatewayDouble } from '../integration/httpGatewayDouble';
import { expectActivityFailures } from '../sdkRuntime';
import { testWorkflowBundlePath } from '../workflowBundle';

const LOCKS = 100;
/** Requests of each kind the storm may take at most: 100 commands handed out over ≤ 7 s, gathered 2 s at a time. */
const MAX_REQUESTS = 6;
const SERVICE_TYPE = 7;
/** Requests in flight from the test at once (assigns, check-ins), as a fleet's clients would send them. */
const CONCURRENCY = 30;

jest.setTimeout(300_000);

describe('gateway commands in groups', () => {
  let gateway: HttpGatewayDouble;
  let stack: TestStack;
  let base: string;
  let workflowWorker: Worker;
  let workflowWorkerRunning: Promise<void>;
  /** The gateway's workers, started and stopped by the test. */
  let gatewayWorkers: { workers: Worker[]; running: Promise<void> } | null = null;

  const startGatewayWorkers = async () => {
    const { config, pool, mongo, nativeConnection, taskQueue } = stack;
    const deps = { pool, mongo, gateway: createDeviceControlGateway(config) };
    const workers = await createGatewayWorkers({
      connection: nativeConnection,
      namespace: config.temporal.namespace,
      taskQueue,
      deps,
      limits: config.gateway,
    });
    gatewayWorkers = { workers, running: runTogether(workers) };
  };
  const stopGatewayWorkers = async () => {
    if (!gatewayWorkers) return;
    shutdownAll(gatewayWorkers.workers);
    await gatewayWorkers.running;
    gatewayWorkers = null;
  };

  beforeAll(async () => {
    gateway = await HttpGatewayDouble.start();
    stack = await startTestStack({
      GATEWAY_URL: gateway.url,
      // Here the server hands a backlog of 100 out at ~75 tasks a second (fewer on a loaded machine): two seconds
      // of gathering (the longest the setting allows) keep groups whole.
      GATEWAY_GROUP_WAIT_MS: '2000',
      // A lock "minute" of 5 s: the lock ends, and its UNLOCK is due, 5 s after the device's check-in. The UNLOCKs
      // queue on the server while the gateway's workers are held, and a lock stays ACTIVATED until its UNLOCK is
      // taken, so however long the check-ins take, every UNLOCK is due when the workers start again.
      TEMP_LOCK_MINUTE_MS: '5000',
      TEMP_LOCK_DEACTIVATION_WAIT_MS: '20000',
      RATE_LIMIT_PER_SECOND: '0',
    });
    const { config, pool, mongo, nativeConnection, taskQueue } = stack;
    workflowWorker = await createWorker({
      connection: nativeConnection,
      namespace: config.temporal.namespace,
      taskQueue,
      activities: createActivities({ pool, mongo, gateway: createDeviceControlGateway(config) }),
      workflowBundle: { codePath: testWorkflowBundlePath() },
    });
    workflowWorkerRunning = workflowWorker.run();
    base = await stack.startApi();
  });
  afterAll(async () => {
    await stopGatewayWorkers();
    workflowWorker.shutdown();
    await workflowWorkerRunning;
    await stack.close();
    await gateway.close();
  });

  it(`${LOCKS} locks of one tenant and service type due together: ≤ ${MAX_REQUESTS} LOCK and ≤ ${MAX_REQUESTS} UNLOCK requests; a refused device FAILED, the rest unlocked`, async () => {
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
    const refused = uids[Math.floor(LOCKS / 3)]!;
    const others = uids.filter((uid) => uid !== refused);
    gateway.answer(refused, 'LOCK', { status: 404, message: 'unknown device' });
    // Its LOCK's one attempt fails (refused for good): a warning of the SDK's worker, collected here, not printed.
    const refusal = expectActivityFailures('sendLockCommand', /GATEWAY_REFUSED .*404 unknown device/);
    const operator = apiClient(base, apiKey);
    const device = apiClient(base, gatewayKey);
    const checkIn = async (uid: string) => expectStatus(await device.post('/devices/{uid}/check-in', { path: { uid } }), 200);
    for (const uid of uids) gateway.deviceChecksInOnUnlock(uid, () => checkIn(uid));
    const actionIds = new Map<string, string>();
    const actionsOf = (devices: string[]) => ({ _id: { $in: devices.map((uid) => actionIds.get(uid)!) } });
    // A storm is due at once when each of its commands is scheduled on the server, waiting for the gateway's
    // workers: on a loaded machine the lock workflows reach that step well after their status is stored.
    const allScheduled = async (devices: string[], activity: 'sendLockCommand' | 'sendUnlockCommand') => {
      const scheduled = new Set<string>();
      await waitFor(
        `every ${activity} scheduled`,
        async () => {
          await inParallel(
            devices.filter((uid) => !scheduled.has(uid)),
            async (uid) => {
              const { raw } = await stack.client.workflow.getHandle(tempLockWorkflowId(tenantId, uid)).describe();
              if (raw.pendingActivities?.some((a) => a.activityType?.name === activity)) scheduled.add(uid);
            },
          );
          return scheduled.size === devices.length;
        },
        120_000,
      );
    };

    // The LOCK storm: every lock assigned, each LOCK command queued while the gateway's workers are held.
    await inParallel(uids, async (uid) => {
      const body = expectStatus(await operator.put('/devices/{uid}/temp-lock', { path: { uid }, body: { durationMinutes: 1 } }), 202);
      actionIds.set(uid, body.actionId);
    });
    await waitFor(
      'every lock ACTIVATING (its LOCK command scheduled next)',
      async () => (await stack.mongo.deviceActions.countDocuments({ ...actionsOf(uids), status: 'ACTIVATING' })) === LOCKS,
      120_000,
    );
    await allScheduled(uids, 'sendLockCommand');
    await startGatewayWorkers();
    await waitFor(
      'every device to be sent its LOCK',
      async () => new Set(gateway.requests.filter((r) => r.kind === 'LOCK').map((r) => r.deviceUid)).size === LOCKS,
      60_000,
    );
    const refusedLock = await waitFor(
      'the refused device’s lock to end FAILED',
      async () => (await stack.mongo.deviceActions.findOne({ _id: actionIds.get(refused)!, status: 'FAILED' })) ?? undefined,
      60_000,
    );
    expect(refusedLock.cancel_reason).toMatch(/refused LOCK for device .*: 404 unknown device/);
    refusal.stop();
    expect(refusal.entries).toHaveLength(1);

    // Each other device checks in, is told LOCK, and its lock runs for 5 s; the UNLOCK storm queues meanwhile.
    await stopGatewayWorkers();
    await inParallel(others, async (uid) => {
      expect(await checkIn(uid)).toMatchObject({ directive: 'LOCK', actionId: actionIds.get(uid) });
    });
    await waitFor(
      'every other lock ACTIVATED',
      async () => (await stack.mongo.deviceActions.countDocuments({ ...actionsOf(others), status: 'ACTIVATED' })) === others.length,
      60_000,
    );
    const lastEnd = Math.max(
      ...(await stack.mongo.deviceActions.find(actionsOf(others)).toArray()).map((action) => (action.lock_ends_at as Date).getTime()),
    );
    await waitFor('the last lock’s end', async () => Date.now() > lastEnd + 1000, 120_000);
    await allScheduled(others, 'sendUnlockCommand');
    await startGatewayWorkers();
    // Each device is unlocked and checks in on its UNLOCK push.
    await waitFor(
      'every other lock to end DEACTIVATED',
      async () => (await stack.mongo.deviceActions.countDocuments({ ...actionsOf(others), status: 'DEACTIVATED' })) === others.length,
      120_000,
    );

    const lockRequests = gateway.commandRequests.filter((r) => r.kind === 'LOCK');
    const unlockRequests = gateway.commandRequests.filter((r) => r.kind === 'UNLOCK');
    // How many devices each request carried, and when (ms after the first of its kind): printed for the record.
    const timeline = (requests: typeof lockRequests) =>
      requests.map((r) => `+${r.at - requests[0]!.at} ms: ${r.deviceUids.length}`).join(', ');
    console.log(`LOCK requests: ${timeline(lockRequests)}\nUNLOCK requests: ${timeline(unlockRequests)}`);
    expect(lockRequests.length).toBeLessThanOrEqual(MAX_REQUESTS);
    // The refused device is unlocked too (it may have been told LOCK), in a request of its own, before the storm.
    expect(unlockRequests.length).toBeLessThanOrEqual(MAX_REQUESTS);
    for (const request of [...lockRequests, ...unlockRequests]) {
      expect(request).toMatchObject({
        tenantId,
        provisionType: 'default',
        serviceTypeId: SERVICE_TYPE,
        idempotencyKey: expect.any(String),
      });
    }
    // Every device one LOCK then one UNLOCK, in that order.
    for (const uid of others) {
      expect(gateway.requestsFor(actionIds.get(uid)!).map((r) => `${r.kind} ${r.status}`)).toEqual(['LOCK 200', 'UNLOCK 200']);
    }
    expect(gateway.requestsFor(actionIds.get(refused)!).map((r) => `${r.kind} ${r.status}`)).toEqual(['LOCK 404', 'UNLOCK 200']);
    // The refused device's LOCK went in a request with others, which were taken.
    const refusedIn = gateway.requests.find((r) => r.deviceUid === refused && r.kind === 'LOCK')!.request;
    expect(gateway.commandRequests[refusedIn]!.deviceUids.length).toBeGreaterThan(1);
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
