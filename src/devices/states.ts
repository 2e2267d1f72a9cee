// Device states, service types and device types of the inventory (SPEC §2), as ids and names.

export const DeviceState = {
  IDLE: 1,
  READY_FOR_USE: 2,
  ACTIVE: 4,
  LOCKED: 5,
  ENROLLED: 6,
  RELEASED: 7,
} as const;
export type DeviceStateName = keyof typeof DeviceState;
export type DeviceStateId = (typeof DeviceState)[DeviceStateName];

const stateNamesById = new Map<number, DeviceStateName>(Object.entries(DeviceState).map(([name, id]) => [id, name as DeviceStateName]));

/** The state's name, or undefined for ids the sources do not use (3) or never define. */
export function deviceStateName(id: number): DeviceStateName | undefined {
  return stateNamesById.get(id);
}

export function isDeviceStateId(id: number): id is DeviceStateId {
  return stateNamesById.has(id);
}

/** A device's type (seed 001): 1 SMARTPHONE, 2 TABLET, as an inventory file names it. */
export const DeviceTypes = { SMARTPHONE: 1, TABLET: 2 } as const;
export type DeviceTypeName = keyof typeof DeviceTypes;
export function isDeviceTypeName(value: string): value is DeviceTypeName {
  return Object.hasOwn(DeviceTypes, value);
}

/** A device's service: 1 SIM control, 2 prepaid, 3 postpaid. */
export type ServiceTypeId = 1 | 2 | 3;
export function isServiceTypeId(id: unknown): id is ServiceTypeId {
  return id === 1 || id === 2 || id === 3;
}
