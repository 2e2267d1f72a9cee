// Webhooks go to public addresses only (unless WEBHOOK_ALLOW_PRIVATE_TARGETS=true): a subscription's URL must not
// make the product POST into its own network — loopback, private ranges, link-local (cloud metadata services),
// carrier-grade NAT, unique-local, multicast. Checked when a subscription is made and again before each delivery round
// (a name may resolve elsewhere later). What is refused says why, never which addresses the network holds.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

const notPublic = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  notPublic.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  notPublic.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address (v4, v6, or v4 mapped into v6) is one webhooks may not reach. */
export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return notPublic.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return notPublic.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Why the URL may not be a webhook's target, or null when it may. A host that does not resolve (yet) is allowed:
 * its deliveries fail as unreachable until it does, and each is checked again.
 */
export async function nonPublicTargetReason(url: string, allowPrivate: boolean): Promise<string | null> {
  if (allowPrivate) return null;
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  if (isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      return null;
    }
  }
  return addresses.some(isNonPublicAddress)
    ? `${host} is a loopback, private or link-local address; webhooks go to public addresses only (WEBHOOK_ALLOW_PRIVATE_TARGETS)`
    : null;
}
