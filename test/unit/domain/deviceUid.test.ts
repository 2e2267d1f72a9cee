import { checkDeviceUid } from '../../../src/devices/uid';
import { imeiWithCheckDigit } from '../../../dev/inventorySeed';

describe('device UID validation', () => {
  it('accepts a 15-digit IMEI with a correct Luhn digit, trimmed', () => {
    expect(checkDeviceUid(' 490154203237518 ')).toEqual({ ok: true, uid: '490154203237518', kind: 'IMEI' });
  });
  it('rejects an IMEI with a wrong check digit', () => {
    expect(checkDeviceUid('490154203237519')).toEqual({ ok: false, reason: 'IMEI 490154203237519 fails the Luhn check digit' });
  });
  it('rejects digit strings of the wrong length', () => {
    expect(checkDeviceUid('12345')).toMatchObject({ ok: false, reason: 'an IMEI has 15 digits, this one has 5' });
  });
  it('accepts serial numbers of 6-32 allowed characters', () => {
    expect(checkDeviceUid('SN-ABC123')).toEqual({ ok: true, uid: 'SN-ABC123', kind: 'SERIAL' });
  });
  it.each(['=cmd|calc', "a'; DROP", '../../etc', 'x'.repeat(33), 'ab', ''])('rejects %p', (uid) => {
    expect(checkDeviceUid(uid).ok).toBe(false);
  });
  it('computes check digits for seeding', () => {
    expect(imeiWithCheckDigit('49015420323751')).toBe('490154203237518');
  });
});
