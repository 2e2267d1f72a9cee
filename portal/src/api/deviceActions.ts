// A state action on one device (POST /v1/devices/:uid/actions): ACTIVATE, LOCK, RELEASE… with the operator's note.
import { apiJson } from './client';
import { devicePath, deviceKey } from './devices';
import { useApiMutation } from './query';
import type { Device, DeviceActionResult } from './types';

export interface DeviceActionRequest {
  action: string;
  note: string;
}

/** Applies the action; the device and its timeline are read again after it. */
export function useDeviceAction(device: Device) {
  return useApiMutation(
    (key, { action, note }: DeviceActionRequest) =>
      apiJson<DeviceActionResult>(key, devicePath(device, '/actions'), {
        method: 'POST',
        body: note.trim() ? { action, note: note.trim() } : { action },
      }),
    [deviceKey(device.uid)],
  );
}
