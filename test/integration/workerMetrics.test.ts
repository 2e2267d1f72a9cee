// A worker process's metrics address (WORKER_METRICS_ADDRESS): the Temporal SDK's series and the product's
// do_gateway_commands, counted through the SDK's metric meter, in one Prometheus text.
import { expectStatus } from './apiClient';
import { TestStack, startTestStack } from './harness';
import { HttpGatewayDouble } from './httpGatewayDouble';
import { EntryPointProcess, buildEntryPoints, freePort, spawnEntryPoint, waitForProcess } from './processSupport';
import { lockClients, lockableDevice } from './tempLockSupport';

describe('worker metrics', () => {
  let stack: TestStack;
  let base: string;
  let worker: EntryPointProcess | undefined;
  let gateway: HttpGatewayDouble;

  beforeAll(async () => {
    [stack, gateway] = await Promise.all([startTestStack(), HttpGatewayDouble.start(), buildEntryPoints()]);
    base = await stack.startApi();
  });
  afterAll(async () => {
    worker?.kill();
    await Promise.all([stack.close(), gateway.close()]);
  });

  it('answers the SDK’s series and the gateway commands by kind and result', async () => {
    const metricsAddress = `127.0.0.1:${await freePort()}`;
    worker = spawnEntryPoint('platform/worker/main.js', {
      TASK_QUEUE: stack.taskQueue,
      LOG_LEVEL: 'warn',
      WORKER_METRICS_ADDRESS: metricsAddress,
      GATEWAY_URL: gateway.url,
    });
    const device = await lockableDevice(stack);
    const { operator, uid } = lockClients(base, device);
    expectStatus(await operator.put('/devices/{uid}/temp-lock', { ...uid, body: { durationMinutes: 5 } }), 202);

    // The lock's workflow sends its LOCK command at once (the device is told LOCK at its next check-in).
    const text = await waitForProcess(worker, 'the LOCK command counted', async () => {
      const answer = await fetch(`http://${metricsAddress}/metrics`).catch(() => null);
      const body = answer?.ok ? await answer.text() : '';
      return /^do_gateway_commands\{[^}]*kind="LOCK"[^}]*result="accepted"[^}]*\} 1$/m.test(body) ? body : undefined;
    });
    expect(text).toMatch(/^do_gateway_commands\{[^}]*taskQueue="[^"]*-gateway-locks"/m);
    expect(text).toMatch(/^temporal_worker_task_slots_available\{/m);
    expect(text).toMatch(/^temporal_activity_schedule_to_start_latency_bucket\{/m);
    expect(text).not.toContain(device.uid);
  });

  it('refuses to start without GATEWAY_URL, saying which setting and how to run the simulated gateway', async () => {
    const unconfigured = spawnEntryPoint('platform/worker/main.js', { TASK_QUEUE: stack.taskQueue, GATEWAY_URL: '' });
    const { code } = await unconfigured.exited;

    expect(code).toBe(1);
    expect(unconfigured.output()).toMatch(/^worker: configuration error: GATEWAY_URL: not set\. .*dist-dev\/dev\/gatewaySimulator\.js/m);
  });
});
