import { isNonPublicAddress, nonPublicTargetReason } from '../../../src/webhooks/targetGuard';

describe('webhook targets', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
  ])('refuses %s', (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });

  it.each(['93.184.215.14', '172.32.0.1', '100.128.0.1', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) => {
    expect(isNonPublicAddress(address)).toBe(false);
  });

  it('refuses URLs whose host is a non-public address, and says why without naming the network', async () => {
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'https://[::1]/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://localhost:9/x',
    ]) {
      expect(await nonPublicTargetReason(url, false)).toMatch(
        /loopback, private or link-local address; webhooks go to public addresses only/,
      );
    }
    expect(await nonPublicTargetReason('https://93.184.215.14/hook', false)).toBeNull();
  });

  it('allows every address when WEBHOOK_ALLOW_PRIVATE_TARGETS is set', async () => {
    expect(await nonPublicTargetReason('http://127.0.0.1:8080/hook', true)).toBeNull();
  });
});
