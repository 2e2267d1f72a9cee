// Device UID rules (SPEC §2 Decision): digits-only UIDs are IMEIs (15 digits, Luhn check digit);
// anything else is a serial number of 6-32 characters from [A-Za-z0-9-].

export type DeviceUidCheck = { ok: true; uid: string; kind: 'IMEI' | 'SERIAL' } | { ok: false; reason: string };

const SERIAL = /^[A-Za-z0-9-]{6,32}$/;
const DIGITS = /^[0-9]+$/;

export function checkDeviceUid(raw: string): DeviceUidCheck {
  const uid = raw.trim();
  if (uid === '') return { ok: false, reason: 'the device UID is empty' };
  if (DIGITS.test(uid)) {
    if (uid.length !== 15) return { ok: false, reason: `an IMEI has 15 digits, this one has ${uid.length}` };
    if (!hasValidLuhnCheckDigit(uid)) return { ok: false, reason: `IMEI ${uid} fails the Luhn check digit` };
    return { ok: true, uid, kind: 'IMEI' };
  }
  if (SERIAL.test(uid)) return { ok: true, uid, kind: 'SERIAL' };
  if (uid.length > 32) return { ok: false, reason: `a serial number has at most 32 characters, this one has ${uid.length}` };
  if (uid.length < 6) return { ok: false, reason: `a serial number has at least 6 characters, this one has ${uid.length}` };
  return { ok: false, reason: 'a serial number may contain only letters, digits and "-"' };
}

export function hasValidLuhnCheckDigit(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
