// The check-in names itself to the lock's workflow by the request's sanitized id, the one its answer and log lines
// carry: a hostile X-Request-Id (8,010 characters ending in markup) never reaches the workflow's history, and the
// signal can be matched with the answer and the logs.
import { tempLockWorkflowId } from '../../src/tempLocks/lock';
import { TestStack, startServingStack } from './harness';
import { expectStatus } from './apiClient';
import { lockClients, lockableDevice, waitForStatus } from './tempLockSupport';

describe('check-in request ids', () => {
  let stack: TestStack;
  let base: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ stack, base, stop } = await startServingStack());
  });
  afterAll(() => stop());

  /** The checkInIds of the check-in signals in the workflow's history, and the history's text. */
  async function signalledCheckIns(workflowId: string): Promise<{ ids: string[]; text: string }> {
    const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
    const ids: string[] = [];
    const texts: string[] = [];
    for (const event of history.events ?? []) {
      const attributes = event.workflowExecutionSignaledEventAttributes;
      for (const payload of attributes?.input?.payloads ?? []) {
        const text = Buffer.from(payload.data ?? []).toString('utf8');
        texts.push(text);
        if (attributes?.signalName === 'checkIn') ids.push((JSON.parse(text) as { checkInId: string }).checkInId);
      }
    }
    return { ids, text: texts.join('\n') };
  }

  it('signals the sanitized request id, the one the answer carries', async () => {
    const device = await lockableDevice(stack);
    const { operator } = lockClients(base, device);
    const { actionId } = expectStatus(
      await operator.put('/devices/{uid}/temp-lock', { path: { uid: device.uid }, body: { durationMinutes: 30 } }),
      202,
    );
    await waitForStatus(stack, actionId, 'ACTIVATING');
    const hostile = `${'r'.repeat(8000)}<script>"'`;
    const answer = await fetch(`${base}/v1/devices/${device.uid}/check-in`, {
      method: 'POST',
      headers: { 'X-API-Key': device.gatewayKey, 'X-Request-Id': hostile },
    });
    expect(answer.status).toBe(200);
    const answeredId = answer.headers.get('x-request-id')!;
    expect(answeredId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    await waitForStatus(stack, actionId, 'ACTIVATED');
    const signalled = await signalledCheckIns(tempLockWorkflowId(device.tenantId, device.uid));
    expect(signalled.ids).toEqual([answeredId]);
    expect(signalled.text).not.toContain('<script>');
    expect(signalled.text).not.toContain('r'.repeat(200));
  });
});
