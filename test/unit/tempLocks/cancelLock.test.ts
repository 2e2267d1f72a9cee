// The cancel use case without HTTP: over a Temporal client double, it signals the running lock by workflow id
// with the caller and the lock's action id, and answers 404 when no lock runs or the lock ended meanwhile.
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { cancelTempLock } from '../../../src/tempLocks/cancelLock';
import type { Caller } from '../../../src/platform/http/auth';

const caller: Caller = { tenantId: 'root', userId: 'ops-1', role: 'operator', tenantTree: ['root'] };
const device = { id: 7, uid: '490154203237518', tenantId: 'root', serviceTypeId: 1, provisionType: null };

/** A client whose one workflow is described as `status` (with a lock's action id) and records the signals it takes. */
function temporalWith(status: string | null, signal: () => Promise<void> = async () => undefined) {
  const signals: { workflowId: string; args: unknown[] }[] = [];
  const temporal = {
    workflow: {
      getHandle: (workflowId: string) => ({
        describe: async () => {
          if (status === null) throw new WorkflowNotFoundError('not found', workflowId, undefined);
          return { status: { name: status }, runId: 'run-1', memo: { actionId: 'lock-1' } };
        },
        signal: async (...args: unknown[]) => {
          signals.push({ workflowId, args: args.slice(1) });
          await signal();
        },
      }),
    },
  } as unknown as Client;
  return { temporal, signals };
}

describe('cancelTempLock', () => {
  it('asks the running lock to cancel, naming the caller and the lock it saw', async () => {
    const { temporal, signals } = temporalWith('RUNNING');
    const answer = await cancelTempLock({ temporal }, caller, device);
    expect(answer).toEqual({ actionId: 'lock-1', workflowId: expect.stringContaining(device.uid), status: 'CANCELLING' });
    expect(signals).toEqual([
      { workflowId: answer.workflowId, args: [{ reason: 'cancelled by ops-1', requestedBy: 'ops-1', actionId: 'lock-1' }] },
    ]);
  });

  it('is 404 when no lock runs, or when the lock ends before the signal reaches it', async () => {
    await expect(cancelTempLock(temporalWith(null), caller, device)).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
    await expect(cancelTempLock(temporalWith('COMPLETED'), caller, device)).rejects.toMatchObject({ status: 404 });
    const ended = temporalWith('RUNNING', async () => {
      throw new WorkflowNotFoundError('workflow execution already completed', 'x', undefined);
    });
    await expect(cancelTempLock(ended, caller, device)).rejects.toMatchObject({
      status: 404,
      detail: `no temp lock is running for device ${device.uid}`,
    });
  });
});
