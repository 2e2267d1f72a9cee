// LOCK and UNLOCK by hand: the state action runs in its workflow (stateActionWorkflow.ts), started with the action
// as an update, so the answer comes once the state is written and the gateway command follows durably.
import { Client, WithStartWorkflowOperation } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { STATE_ACTION_WORKFLOW, applyStateActionUpdate, type StateActionWorkflow } from './contract';
import { StateActionRequest, answeredOrThrown, applicationOf } from './stateActions';
import type { DeviceRecord } from './store';
import type { AppConfig } from '../platform/config';
import type { Caller } from '../platform/http/auth';
import { DeviceUidKey, TenantIdKey } from '../platform/temporal/searchAttributes';
import { temporalUiLink } from '../platform/temporal/uiLink';

export interface StateActionRunDeps {
  temporal: Client;
  config: AppConfig;
}

/** Applies a LOCK or UNLOCK through its workflow: 200 with the outcome and the command's workflow, or the refusal thrown. */
export async function runGatewayStateAction(deps: StateActionRunDeps, caller: Caller, device: DeviceRecord, request: StateActionRequest) {
  const application = applicationOf(caller, device, request);
  // One run per (caller's tenant, device, key): a repeated Idempotency-Key reaches the same run. Without a key the
  // run gets a key of its own, so a retried attempt inside the run applies the action once.
  const runKey = `${caller.tenantId}/${device.tenantId}/${device.uid}/${request.idempotencyKey ?? randomUUID()}`;
  const workflowId = `device-action/${runKey}`;
  const start = new WithStartWorkflowOperation<StateActionWorkflow>(STATE_ACTION_WORKFLOW, {
    taskQueue: deps.config.temporal.taskQueue,
    workflowId,
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [
      {
        device: { id: device.id, uid: device.uid, tenantId: device.tenantId, stateId: device.stateId },
        target: { deviceUid: device.uid, callerTenantId: caller.tenantId, targetWorkspaceId: device.tenantId },
        application: { ...application, applyKey: application.applyKey ?? `${device.tenantId}/${device.uid}/action-run/${runKey}` },
      },
    ],
    typedSearchAttributes: [
      { key: TenantIdKey, value: device.tenantId },
      { key: DeviceUidKey, value: device.uid },
    ],
    staticSummary: `${request.action} ${device.uid} by hand`,
  });
  const answer = await deps.temporal.withDeadline(Date.now() + deps.config.temporal.requestDeadlineMs, () =>
    deps.temporal.workflow.executeUpdateWithStart(applyStateActionUpdate, { startWorkflowOperation: start }),
  );
  return { ...answeredOrThrown(answer), gatewayCommand: { temporalUi: temporalUiLink(deps.config, workflowId) } };
}
