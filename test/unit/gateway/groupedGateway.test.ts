// How the worker gathers concurrent commands into one request per (kind, tenant, provision type, service type), and how
// each command then completes with its own device's result.
import {
  GatewayCommand,
  GatewayCommandsClient,
  GatewayCommandsRequest,
  GatewayDeviceResult,
  GatewayRefusal,
} from '../../../src/devices/gateway/deviceControlGateway';
import { GatewayNotTaken, GroupedDeviceControlGateway } from '../../../src/devices/gateway/groupedGateway';

/** A gateway client that records each request and answers per device (taken unless `answers` says otherwise). */
class RecordingClient implements GatewayCommandsClient {
  readonly requests: { request: GatewayCommandsRequest; key: string; at: number }[] = [];
  answers = new Map<string, Omit<GatewayDeviceResult, 'deviceUid'>>();
  failWith: Error | null = null;
  /** Resolves the request in flight when set (a slow gateway). */
  hold: Promise<void> | null = null;

  async sendCommands(request: GatewayCommandsRequest, key: string): Promise<GatewayDeviceResult[]> {
    this.requests.push({ request, key, at: Date.now() });
    if (this.hold) await this.hold;
    if (this.failWith) throw this.failWith;
    return request.devices.map(({ deviceUid }) => ({
      deviceUid,
      ...(this.answers.get(deviceUid) ?? { accepted: true, status: 202, reason: null }),
    }));
  }
}

const command = (deviceUid: string, overrides: Partial<GatewayCommand> = {}): GatewayCommand => ({
  tenantId: 'acme',
  serviceTypeId: 3,
  deviceUid,
  actionId: `action-${deviceUid}`,
  dueAt: null,
  ...overrides,
});

function setUp(grouping: Partial<ConstructorParameters<typeof GroupedDeviceControlGateway>[1]> = {}) {
  const client = new RecordingClient();
  const gateway = new GroupedDeviceControlGateway(client, {
    waitMs: 20,
    maxDevices: 500,
    requestsPerSecond: 0,
    maxHoldMs: 60_000,
    ...grouping,
  });
  return { client, gateway };
}

describe('GroupedDeviceControlGateway', () => {
  it('sends the commands of one group arriving together as one request, each completing on its own', async () => {
    const { client, gateway } = setUp();
    const receipts = await Promise.all(['1', '2', '3'].map((uid) => gateway.sendLock(command(uid, { notification: { n: uid } }))));

    expect(receipts.every((r) => typeof r.acceptedAt === 'number')).toBe(true);
    expect(client.requests).toHaveLength(1);
    expect(client.requests[0]!.request).toEqual({
      kind: 'LOCK',
      tenantId: 'acme',
      provisionType: 'default',
      serviceTypeId: 3,
      devices: ['1', '2', '3'].map((uid) => ({ deviceUid: uid, actionId: `action-${uid}`, notification: { n: uid }, dueAt: null })),
    });
  });

  it('keeps kinds, tenants, provision types and service types apart: one request per group', async () => {
    const { client, gateway } = setUp();
    await Promise.all([
      gateway.sendLock(command('1')),
      gateway.sendUnlock(command('2', { dueAt: 5 })),
      gateway.sendLock(command('3', { tenantId: 'other' })),
      gateway.sendLock(command('4', { serviceTypeId: 4 })),
      gateway.sendLock(command('5', { provisionType: 'knox' })),
      gateway.sendLock(command('6')),
    ]);

    const groups = client.requests.map(
      ({ request: r }) => `${r.kind} ${r.tenantId} ${r.provisionType} ${r.serviceTypeId}: ${r.devices.map((d) => d.deviceUid)}`,
    );
    expect(groups.sort()).toEqual([
      'LOCK acme default 3: 1,6',
      'LOCK acme default 4: 4',
      'LOCK acme knox 3: 5',
      'LOCK other default 3: 3',
      'UNLOCK acme default 3: 2',
    ]);
  });

  it('sends a group as soon as it holds the most devices, without waiting', async () => {
    const { client, gateway } = setUp({ waitMs: 60_000, maxDevices: 3 });
    const sent = ['1', '2', '3', '4', '5', '6'].map((uid) => gateway.sendLock(command(uid)));
    await Promise.all(sent);

    expect(client.requests.map(({ request }) => request.devices.length)).toEqual([3, 3]);
  });

  it('answers each device as the gateway did: a refusal for good, one not taken (retried), the others taken', async () => {
    const { client, gateway } = setUp();
    client.answers.set('2', { accepted: false, status: 404, reason: 'unknown device' });
    client.answers.set('3', { accepted: false, status: 409, reason: 'device busy' });
    const [taken, refused, notTaken] = await Promise.allSettled(['1', '2', '3'].map((uid) => gateway.sendLock(command(uid))));

    expect(taken.status).toBe('fulfilled');
    expect(refused).toMatchObject({ status: 'rejected', reason: expect.any(GatewayRefusal) });
    expect((refused as PromiseRejectedResult).reason).toMatchObject({
      status: 404,
      reason: 'unknown device',
      kind: 'LOCK',
      deviceUid: '2',
    });
    expect(notTaken).toMatchObject({ status: 'rejected', reason: expect.any(GatewayNotTaken) });
    expect(String((notTaken as PromiseRejectedResult).reason.message)).toMatch(/did not take LOCK for device 3: 409 device busy/);
    expect(client.requests).toHaveLength(1);
  });

  it('fails every command of a request that failed as a whole, so each is retried by its own activity', async () => {
    const { client, gateway } = setUp();
    client.failWith = new Error('gateway answered 503');
    const outcomes = await Promise.allSettled(['1', '2'].map((uid) => gateway.sendUnlock(command(uid))));

    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : 'taken'))).toEqual([
      'gateway answered 503',
      'gateway answered 503',
    ]);
  });

  it('takes a command cancelled while its group gathers out of the group at once', async () => {
    const { client, gateway } = setUp({ waitMs: 50 });
    const cancel = new AbortController();
    const cancelled = gateway.sendLock(command('1'), { signal: cancel.signal });
    const kept = gateway.sendLock(command('2'));
    cancel.abort(new Error('cancelled'));

    await expect(cancelled).rejects.toThrow('cancelled');
    await kept;
    expect(client.requests.map(({ request }) => request.devices.map((d) => d.deviceUid))).toEqual([['2']]);
  });

  it('ends a command cancelled while its request is in flight only when the request has ended (nothing sent later overtakes it)', async () => {
    const { client, gateway } = setUp({ waitMs: 0 });
    let release!: () => void;
    client.hold = new Promise((resolve) => (release = resolve));
    const cancel = new AbortController();
    let ended = false;
    const cancelled = gateway.sendLock(command('1'), { signal: cancel.signal }).finally(() => (ended = true));
    await waitUntil(() => client.requests.length === 1);
    cancel.abort(new Error('cancelled'));
    await new Promise((resolve) => setImmediate(resolve));

    expect(ended).toBe(false);
    release();
    await expect(cancelled).rejects.toThrow('cancelled');
  });

  it('names a device once per request: a second command for it goes in the next request', async () => {
    const { client, gateway } = setUp();
    await Promise.all([gateway.sendLock(command('1')), gateway.sendLock(command('1', { actionId: 'later' }))]);

    expect(client.requests.map(({ request }) => request.devices.map((d) => d.actionId))).toEqual([['action-1'], ['later']]);
  });

  it('gives a request sent again with the same commands the same idempotency key, another set another key', async () => {
    const { client, gateway } = setUp();
    await Promise.all([gateway.sendLock(command('1')), gateway.sendLock(command('2'))]);
    await Promise.all([gateway.sendLock(command('2')), gateway.sendLock(command('1'))]);
    await gateway.sendLock(command('1'));

    const [first, again, other] = client.requests.map((r) => r.key);
    expect(again).toBe(first);
    expect(other).not.toBe(first);
  });

  it('does not send a command held back past maxHoldMs by the request pace: its activity retries it', async () => {
    const { client, gateway } = setUp({ waitMs: 0, requestsPerSecond: 5, maxHoldMs: 100 });
    const [first, second] = await Promise.allSettled([
      gateway.sendLock(command('1')),
      gateway.sendLock(command('2', { serviceTypeId: 4 })),
    ]);

    expect(first.status).toBe('fulfilled');
    expect(second).toMatchObject({ status: 'rejected', reason: { name: 'CommandHeldBack' } });
    expect(String((second as PromiseRejectedResult).reason.message)).toMatch(/LOCK 2: not sent after waiting \d+ ms for a request turn/);
    expect(client.requests).toHaveLength(1);
  });

  it('paces requests of one kind (GATEWAY_REQUESTS_PER_SECOND) without holding the other kind back', async () => {
    const { client, gateway } = setUp({ waitMs: 0, requestsPerSecond: 10 });
    const started = Date.now();
    await Promise.all([
      gateway.sendLock(command('1')),
      gateway.sendLock(command('2', { serviceTypeId: 4 })),
      gateway.sendLock(command('3', { serviceTypeId: 5 })),
      gateway.sendUnlock(command('4')),
    ]);

    const locks = client.requests.filter((r) => r.request.kind === 'LOCK').map((r) => r.at - started);
    const unlock = client.requests.find((r) => r.request.kind === 'UNLOCK')!.at - started;
    // A turn every 100 ms, counted from the first (a late turn does not push the next ones back).
    expect(locks[1]! - locks[0]!).toBeGreaterThanOrEqual(95);
    expect(locks[2]! - locks[0]!).toBeGreaterThanOrEqual(190);
    // The unlock does not wait for the locks' turns: it goes before the second lock.
    expect(unlock).toBeLessThan(locks[1]!);
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  expect(condition()).toBe(true);
}
