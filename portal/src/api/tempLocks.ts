// A device's temporary lock: read (again every few seconds while it runs), set, cancelled. Setting or
// cancelling one changes the device's state and timeline too: all of the device is read again.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSession } from '../session';
import { apiFetch, apiJsonOrNull } from './client';
import { deviceKey, devicePath, tempLockKey } from './devices';
import { useApiMutation } from './query';
import type { Device, TempLockView } from './types';

const RUNNING_REFRESH_MS = 2_000;

const lockPath = (device: Device) => devicePath(device, '/temp-lock');

/** The lock, or null for a device never locked. */
const readTempLock = (key: string, device: Device, signal: AbortSignal) => apiJsonOrNull<TempLockView>(key, lockPath(device), { signal });

/**
 * The device's lock: the one running, or the last one once it ended (its record stays in view). `everLocked`
 * tells that the device's timeline shows a lock: only then is there one to read.
 */
export function useTempLock(device: Device, everLocked: boolean) {
  const { key } = useSession();
  const queryClient = useQueryClient();
  // Reading a lock that never existed is a 404 (and a console error): it is read only once the device tells
  // of one, or once it has been read (after setting it, before its workflow wrote its first transition).
  const known = queryClient.getQueryData(tempLockKey(device.uid)) !== undefined;
  const lock = useQuery({
    queryKey: tempLockKey(device.uid),
    queryFn: ({ signal }) => readTempLock(key, device, signal),
    enabled: device.tempLock !== null || everLocked || known,
    refetchInterval: (query) => (query.state.data?.running ? RUNNING_REFRESH_MS : false),
  });
  return { lock: lock.data ?? null, problem: lock.error };
}

interface TempLockRequest {
  durationMinutes: number;
  workingHours: boolean;
  notification: { text: string } | null;
}

export function useSetTempLock(device: Device) {
  const { key } = useSession();
  const queryClient = useQueryClient();
  return useMutation({
    // Sent with the key of this press: a request repeated on the way (a retried connection) sets one lock.
    mutationFn: ({ request, idempotencyKey }: { request: TempLockRequest; idempotencyKey: string }) =>
      apiFetch(key, lockPath(device), { method: 'PUT', body: request, idempotencyKey }),
    // The new lock is read first: until its workflow writes its first transition only the lock tells that it
    // runs, and that is what keeps the device being read (useDevice).
    onSuccess: async () => {
      await queryClient.fetchQuery({
        queryKey: tempLockKey(device.uid),
        queryFn: ({ signal }) => readTempLock(key, device, signal),
        staleTime: 0,
      });
      await queryClient.invalidateQueries({ queryKey: deviceKey(device.uid) });
    },
  });
}

export function useCancelTempLock(device: Device) {
  return useApiMutation(
    (key, idempotencyKey: string) => apiFetch(key, lockPath(device), { method: 'DELETE', idempotencyKey }),
    [deviceKey(device.uid)],
  );
}
