// Workflow code: tells a device of a LOCK or UNLOCK its state took (by hand or in a batch), through the gateway's
// task queues (rate-limited LOCKs; UNLOCKs never behind them). Retried until the gateway takes it; only a refusal
// of the device itself ends it without: the inventory keeps the state the operator chose, the refusal is answered
// (the workflow's result, its log and the do_gateway_commands metric).
import { ActivityFailure, ApplicationFailure, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { CommandTarget, DeviceCommandActivities, GatewayCommandActivities, GatewayCommandKind } from './deviceCommandActivities';
import { gatewayTaskQueues } from './gateway/taskQueues';

export interface DeviceCommandOutcome {
  kind: GatewayCommandKind;
  /** True once the gateway took the command; false when it refused the device or the device is gone. */
  sent: boolean;
  reason: string | null;
}

const { gatewayCommandOf } = proxyLocalActivities<DeviceCommandActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const commandOptions = {
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
} as const;

export async function sendDeviceCommand(target: CommandTarget, kind: GatewayCommandKind, actionId: string): Promise<DeviceCommandOutcome> {
  const command = await gatewayCommandOf(target, actionId);
  if (!command) return { kind, sent: false, reason: `device ${target.deviceUid} is no longer in workspace ${target.targetWorkspaceId}` };
  const queues = gatewayTaskQueues(workflowInfo().taskQueue);
  // Per-tenant fairness on the gateway's queues (README, "Per-tenant fairness").
  const options = { ...commandOptions, priority: { fairnessKey: command.tenantId } };
  try {
    if (kind === 'LOCK') await proxyActivities<GatewayCommandActivities>({ ...options, taskQueue: queues.locks }).sendLockCommand(command);
    else await proxyActivities<GatewayCommandActivities>({ ...options, taskQueue: queues.unlocks }).sendUnlockCommand(command);
    return { kind, sent: true, reason: null };
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.nonRetryable) return { kind, sent: false, reason: cause.message };
    throw err;
  }
}
