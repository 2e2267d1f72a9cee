// The devices of the caller's tree (GET /v1/devices); one device (GET /v1/devices/:uid), its timeline, and
// assigning or exiting a workflow.
import { keepPreviousData, useQueryClient } from '@tanstack/react-query';
import { apiJson } from './client';
import { useApiMutation, useApiQuery } from './query';
import type { Device, DeviceHistory, DeviceList, DeviceWorkflowResult, TempLockView } from './types';

/** While a temporary lock runs the device moves between states (LOCKED and back): it is read this often. */
const LOCK_REFRESH_MS = 2_000;

/** A device as a link names it: its UID, and its workspace where known (else the API looks in the caller's own first). */
export interface DeviceRef {
  uid: string;
  tenantId: string | null;
}

/** `path` under the device's URL, with the device's workspace as ?tenantId= where known. */
export const devicePath = ({ uid, tenantId }: DeviceRef, path = '') =>
  `/v1/devices/${encodeURIComponent(uid)}${path}${tenantId ? `?tenantId=${encodeURIComponent(tenantId)}` : ''}`;
/** Everything read about one device UID (its state, timeline and lock) is under this key. */
export const deviceKey = (uid: string) => ['devices', uid];
const deviceReadKey = ({ uid, tenantId }: DeviceRef) => [...deviceKey(uid), tenantId ?? 'own tenant first'];
export const tempLockKey = (uid: string) => [...deviceKey(uid), 'temp-lock'];

const LIST_PAGE_SIZE = 25;

export interface DeviceListFilters {
  /** The start of a UID or second IMEI, or '' for all. */
  uidPrefix: string;
  /** A state name, or '' for all. */
  state: string;
  /** A catalogue workflow id, or '' for all. */
  workflowId: string;
}

export function useDeviceList(filters: DeviceListFilters, cursor: string | null) {
  const query = new URLSearchParams({ limit: String(LIST_PAGE_SIZE) });
  if (filters.uidPrefix.trim()) query.set('uidPrefix', filters.uidPrefix.trim());
  if (filters.state) query.set('state', filters.state);
  if (filters.workflowId) query.set('workflowId', filters.workflowId);
  if (cursor) query.set('cursor', cursor);
  return useApiQuery<DeviceList>(['device-list', filters, cursor], `/v1/devices?${query}`, { placeholderData: keepPreviousData });
}

export function useDevice(device: DeviceRef) {
  return useApiQuery<Device>(deviceReadKey(device), devicePath(device), { refetchInterval: useLockRefresh(device) });
}

export function useDeviceHistory(device: DeviceRef) {
  return useApiQuery<DeviceHistory>([...deviceReadKey(device), 'history'], devicePath(device, '/history'), {
    refetchInterval: useLockRefresh(device),
  });
}

/**
 * How often to read the device and its timeline again: while its lock runs, as the device tells or, just
 * after it was set and before its workflow wrote its first transition, as only the lock itself tells.
 */
function useLockRefresh(ref: DeviceRef): () => number | false {
  const queryClient = useQueryClient();
  return () => {
    const device = queryClient.getQueryData<Device>(deviceReadKey(ref));
    const lock = queryClient.getQueryData<TempLockView | null>(tempLockKey(ref.uid));
    return device?.tempLock || lock?.running ? LOCK_REFRESH_MS : false;
  };
}

/** Assigns the workflow given, or with null exits the device's workflow; the key makes a repeat harmless. */
export function useWorkflowAssignment(device: Device) {
  return useApiMutation(
    (key, { assign, idempotencyKey }: { assign: { workflowId: string } | null; idempotencyKey: string }) =>
      apiJson<DeviceWorkflowResult>(
        key,
        devicePath(device, '/workflow'),
        assign ? { method: 'POST', body: assign, idempotencyKey } : { method: 'DELETE', idempotencyKey },
      ),
    [deviceKey(device.uid)],
  );
}
