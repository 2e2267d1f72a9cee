// The single-device use case without HTTP: over a Temporal client double, it runs deviceAssign under a workflow
// id the Idempotency-Key names, answers OK, and turns a refusal into the problem the API answers.
import { Client } from '@temporalio/client';
import { assignOne } from '../../../src/devices/assignOne';
import type { DeviceRecord } from '../../../src/devices/store';
import { loadConfig } from '../../../src/platform/config';
import type { Caller } from '../../../src/platform/http/auth';

const config = loadConfig({});
const caller: Caller = { tenantId: 'root', userId: 'ops-1', role: 'operator', tenantTree: ['root', 'ws-1'] };
const device = { id: 7, uid: '490154203237518', tenantId: 'ws-1' } as DeviceRecord;

/** A client whose deviceAssign runs end with `result`; the runs it was asked for are kept. */
function temporalEnding(result: { code: string; message: string }) {
  const runs: { workflowId: string; input: Record<string, unknown> }[] = [];
  const temporal = {
    workflow: {
      execute: async (_workflow: unknown, options: { workflowId: string; args: [Record<string, unknown>] }) => {
        runs.push({ workflowId: options.workflowId, input: options.args[0] });
        return { ...result, deviceId: device.id };
      },
    },
  } as unknown as Client;
  return { temporal, runs };
}

describe('assignOne', () => {
  it('runs the device workflow for the caller, one run per Idempotency-Key, and answers its result', async () => {
    const { temporal, runs } = temporalEnding({ code: 'OK', message: 'assigned' });
    const request = { mode: 'assign', workflowVersionId: '0123456789abcdef01234567', idempotencyKey: 'k-1' } as const;
    const answer = await assignOne({ temporal, config }, caller, device, request);
    expect(runs).toEqual([
      {
        workflowId: 'device-workflow/root/assign/ws-1/490154203237518/k-1',
        input: expect.objectContaining({ mode: 'assign', requestedBy: 'ops-1', catalogueTenantIds: ['root', 'ws-1'], source: 'API' }),
      },
    ]);
    expect(answer).toMatchObject({ deviceUid: device.uid, mode: 'assign', code: 'OK', message: 'assigned' });
  });

  it('answers a refusal with its HTTP status and code, and a backing service that kept failing as 503', async () => {
    const exit = { mode: 'exit', workflowVersionId: null, idempotencyKey: null } as const;
    const refused = temporalEnding({ code: 'DEVICE_HAS_NO_WORKFLOW', message: 'no workflow to exit' });
    await expect(assignOne({ temporal: refused.temporal, config }, caller, device, exit)).rejects.toMatchObject({
      status: 409,
      code: 'DEVICE_HAS_NO_WORKFLOW',
      detail: 'no workflow to exit',
      extra: { deviceUid: device.uid, temporalUi: expect.stringContaining('device-workflow') },
    });
    const failing = temporalEnding({ code: 'INTERNAL_ERROR', message: 'store down' });
    await expect(assignOne({ temporal: failing.temporal, config }, caller, device, exit)).rejects.toMatchObject({
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
    });
  });
});
