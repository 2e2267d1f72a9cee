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
    });
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
  ])('refuses %j with %i', async (params, status, detail) => {
    await expect(checkUploadOptions({ mongo }, caller, params)).rejects.toMatchObject({ status, detail: expect.stringMatching(detail) });
  });
});
