// The devices of the caller's tree (GET /v1/devices); one device (GET /v1/devices/:uid), its timeline, and
// assigning or exiting a workflow.
import { keepPreviousData, useQueryClient } from '@tanstack/react-query';
import { apiJson } from './client';
import { useApiMutation, useApiQuery } from './query';
import type { Device, DeviceHistory, DeviceList, DeviceWorkflowResult, TempLockView } from './types';

/** While a temporary lock runs the device moves between states (LOCKED and back): it is read this often. */
const LOCK_REFRESH_MS = 2_000;

export const devicePath = (uid: string) => `/v1/devices/${encodeURIComponent(uid)}`;
/** Everything read about one device (its state, timeline and lock) is under this key. */
export const deviceKey = (uid: string) => ['devices', uid];
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

export function useDevice(uid: string) {
  return useApiQuery<Device>(deviceKey(uid), devicePath(uid), { refetchInterval: useLockRefresh(uid) });
}

export function useDeviceHistory(uid: string) {
  return useApiQuery<DeviceHistory>([...deviceKey(uid), 'history'], `${devicePath(uid)}/history`, { refetchInterval: useLockRefresh(uid) });
}

/**
 * How often to read the device and its timeline again: while its lock runs, as the device tells or, just
 * after it was set and before its workflow wrote its first transition, as only the lock itself tells.
 */
function useLockRefresh(uid: string): () => number | false {
  const queryClient = useQueryClient();
  return () => {
    const device = queryClient.getQueryData<Device>(deviceKey(uid));
    const lock = queryClient.getQueryData<TempLockView | null>(tempLockKey(uid));
    return device?.tempLock || lock?.running ? LOCK_REFRESH_MS : false;
  };
}

/** Assigns the workflow given, or with null exits the device's workflow; the key makes a repeat harmless. */
export function useWorkflowAssignment(uid: string) {
  return useApiMutation(
    (key, { assign, idempotencyKey }: { assign: { workflowId: string } | null; idempotencyKey: string }) =>
      apiJson<DeviceWorkflowResult>(
        key,
        `${devicePath(uid)}/workflow`,
        assign ? { method: 'POST', body: assign, idempotencyKey } : { method: 'DELETE', idempotencyKey },
      ),
    [deviceKey(uid)],
  );
}
