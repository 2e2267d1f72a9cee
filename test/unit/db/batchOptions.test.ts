// A batch's options go into ext_fields once and come back as the same typed record; a malformed
// column is an error naming the batch and the field, never a cast.
import { BatchOptions, batchOptionsToExtFields, parseBatchOptions } from '../../../src/batches/options';

const options: BatchOptions = {
  mode: 'register',
  catalogueWorkflowId: '0123456789abcdef01234567',
  serviceTypeId: 2,
  targetWorkspaceId: 'ws-1',
  createMissing: true,
  stateAction: null,
  catalogueTenantIds: ['root', 'ws-1'],
  failureThreshold: { maxFailures: 10, maxFailurePercent: null },
  schedule: { startAt: '2026-12-07T06:00:00.000Z', withinWorkingHours: true },
};

describe('batch options', () => {
  it('round-trips through ext_fields (register keeps the pending workflow id)', () => {
    const ext = JSON.parse(JSON.stringify(batchOptionsToExtFields(options, 'devices.csv')));
    expect(ext).toMatchObject({ pending_workflow_id: options.catalogueWorkflowId, file_name: 'devices.csv' });
    expect(parseBatchOptions('b1', 'root', ext)).toEqual(options);
  });

  it('reads older rows without a threshold, target or catalogue tenants', () => {
    expect(parseBatchOptions('b1', 'root', { mode: 'exit' })).toEqual({
      mode: 'exit',
      catalogueWorkflowId: null,
      serviceTypeId: null,
      targetWorkspaceId: 'root',
      createMissing: false,
      stateAction: null,
      catalogueTenantIds: ['root'],
      failureThreshold: null,
      schedule: null,
    });
  });

  it.each([
    [{ mode: 'merge' }, 'mode'],
    [{ mode: 'assign', workflow_id: 42 }, 'workflow_id / target_workspace_id'],
    [{ mode: 'exit', failure_threshold: { maxFailures: -1 } }, 'failure_threshold'],
    [{ mode: 'exit', catalogue_tenant_ids: 'root' }, 'catalogue_tenant_ids'],
    [{ mode: 'action', state_action: 'SMASH' }, 'state_action'],
    [{ mode: 'exit', schedule: { startAt: 'soon', withinWorkingHours: false } }, 'schedule'],
  ])('refuses %j naming %s', (ext, field) => {
    expect(() => parseBatchOptions('b1', 'root', ext)).toThrow(`batch b1: ext_fields.${field} is malformed`);
  });
});
