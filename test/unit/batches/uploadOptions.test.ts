// An upload's parameters checked without HTTP: an exit batch needs no catalogue, so no store is touched; a
// refusal is the problem the API answers before reading the file.
import { checkUploadOptions } from '../../../src/batches/uploadOptions';
import type { MongoStores } from '../../../src/platform/db/mongo';
import type { Caller } from '../../../src/platform/http/auth';

const caller: Caller = { tenantId: 'root', userId: 'ops-1', role: 'operator', tenantTree: ['root', 'ws-1'] };
/** Reached only by a mode that looks its catalogue workflow up. */
const mongo = {} as MongoStores;

describe('checkUploadOptions', () => {
  it('reads an exit batch for a workspace of the caller’s tree, with its failure threshold', async () => {
    const options = await checkUploadOptions({ mongo }, caller, { mode: 'exit', targetWorkspaceId: 'ws-1', maxFailures: '5' });
    expect(options).toEqual({
      mode: 'exit',
      catalogueWorkflowId: null,
      serviceTypeId: null,
      targetWorkspaceId: 'ws-1',
      createMissing: false,
      stateAction: null,
      catalogueTenantIds: ['root', 'ws-1'],
      failureThreshold: { maxFailures: 5, maxFailurePercent: null },
      schedule: null,
    });
  });

  it('reads a schedule: startAt as a UTC instant, withinWorkingHours', async () => {
    const startAt = new Date(Date.now() + 3_600_000).toISOString().replace('Z', '+00:00');
    const options = await checkUploadOptions({ mongo }, caller, { mode: 'exit', startAt, withinWorkingHours: 'true' });
    expect(options.schedule).toEqual({ startAt: new Date(startAt).toISOString(), withinWorkingHours: true });
    const anyHour = await checkUploadOptions({ mongo }, caller, { mode: 'exit', withinWorkingHours: 'false' });
    expect(anyHour.schedule).toBeNull();
  });

  it.each([
    [{ mode: 'exit', colour: 'red' }, 400, /unknown upload parameter colour/],
    [{ mode: 'delete' }, 400, /mode must be one of/],
    [{ mode: 'exit', targetWorkspaceId: 'elsewhere' }, 404, /no workspace elsewhere/],
    [{ mode: 'exit', serviceTypeId: '9' }, 422, /serviceTypeId must be/],
    [{ mode: 'exit', createMissing: 'true' }, 400, /createMissing applies only to mode register/],
    [{ mode: 'assign' }, 400, /workflowId is required for mode assign/],
    [{ mode: 'action' }, 400, /mode action needs action=REGISTER\|ACTIVATE/],
    [{ mode: 'action', action: 'SMASH' }, 400, /mode action needs action=/],
    [{ mode: 'exit', action: 'LOCK' }, 400, /action applies only to mode action/],
    [{ mode: 'register', createMissing: 'true' }, 400, /serviceTypeId is required to create missing devices/],
    [{ mode: 'exit', startAt: 'tomorrow' }, 400, /^startAt must be an ISO 8601 instant with its offset/],
    [{ mode: 'exit', startAt: '2026-12-07T06:00:00' }, 400, /^startAt must be an ISO 8601 instant with its offset/],
    [{ mode: 'exit', startAt: '2020-01-01T00:00:00Z' }, 400, /^startAt 2020-01-01T00:00:00Z is more than a minute in the past/],
    [{ mode: 'exit', withinWorkingHours: 'yes' }, 400, /^withinWorkingHours must be true or false$/],
  ])('refuses %j with %i', async (params, status, detail) => {
    await expect(checkUploadOptions({ mongo }, caller, params)).rejects.toMatchObject({ status, detail: expect.stringMatching(detail) });
  });
});
