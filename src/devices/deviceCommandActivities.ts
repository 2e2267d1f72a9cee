// Activities of the state actions that tell the device (LOCK and UNLOCK by hand or in a batch): the state action
// applied for a workflow (stateActionWorkflow.ts), and the gateway command of a device as it stands in the
// inventory (its tenant, service type and provision type group the command, docs/gateway.md).
import type { Pool } from 'pg';
import type { GatewayCommand, GatewayCommandKind } from './gateway/deviceControlGateway';
import { ActionDevice, StateActionApplication, StateActionOutcome, StateActionRefusal, stateActionOutcome } from './stateActions';
import { findDeviceByEitherImeiInTree } from './store';

/** Which device a command goes to, as the workflow that sends it knows it. */
export interface CommandTarget {
  deviceUid: string;
  /** The tenant whose tree the device is looked up in (the caller's). */
  callerTenantId: string;
  /** The workspace the device belongs to. */
  targetWorkspaceId: string;
}

export function createDeviceCommandActivities({ pool }: { pool: Pool }) {
  return {
    /** Applies a LOCK or UNLOCK by hand (idempotent by its apply key: a retried attempt answers the first outcome). */
    async applyDeviceStateAction(
      device: ActionDevice,
      application: StateActionApplication,
    ): Promise<StateActionOutcome | StateActionRefusal> {
      return stateActionOutcome(pool, device, application);
    },

    /** The device's gateway command, or null when the device is gone from its workspace. */
    async gatewayCommandOf(target: CommandTarget, actionId: string): Promise<GatewayCommand | null> {
      const device = await findDeviceByEitherImeiInTree(pool, target.deviceUid, target.callerTenantId, target.targetWorkspaceId);
      if (!device || device.tenantId !== target.targetWorkspaceId) return null;
      return {
        tenantId: device.tenantId,
        serviceTypeId: device.serviceTypeId,
        ...(device.provisionType ? { provisionType: device.provisionType } : {}),
        deviceUid: device.uid,
        actionId,
        dueAt: null,
      };
    },
  };
}

export type DeviceCommandActivities = ReturnType<typeof createDeviceCommandActivities>;

/** The gateway workers' activities (src/platform/worker/gatewayWorkers.ts), as a workflow calls them by name. */
export interface GatewayCommandActivities {
  sendLockCommand(command: GatewayCommand): Promise<number>;
  sendUnlockCommand(command: GatewayCommand): Promise<number>;
}

export type { GatewayCommandKind };
