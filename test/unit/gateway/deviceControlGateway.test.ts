// Which gateway answers refuse a device for good (the lock ends) and which are retried until the gateway takes the command.
import { isPermanentRefusal } from '../../../src/devices/gateway/deviceControlGateway';

describe('isPermanentRefusal', () => {
  it.each([404, 410, 422])('%i refuses the device itself: permanent', (status) => {
    expect(isPermanentRefusal(status)).toBe(true);
  });

  it.each([400, 401, 403, 408, 409, 423, 429, 500, 502, 503, 504])(
    '%i may change (a credential rotation, a busy device, an outage): retried',
    (status) => {
      expect(isPermanentRefusal(status)).toBe(false);
    },
  );
});
