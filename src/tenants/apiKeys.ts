// API keys as values: their format (a short visible prefix, then the secret), their hash (the only
// form that is stored) and the roles a key can carry. No I/O.
import { createHash, randomBytes, randomInt } from 'node:crypto';

export const ROLES = ['operator', 'read_only', 'device_gateway'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** "do_" and 8 characters: printed in listings and logs, so a leaked key can be told apart and revoked. */
const KEY_PREFIX_LENGTH = 11;
const PREFIX_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** `do_<8 visible characters>_<32 secret base64url characters>` (192 random bits in the secret). */
export function generateApiKey(): string {
  const visible = Array.from({ length: KEY_PREFIX_LENGTH - 3 }, () => PREFIX_ALPHABET[randomInt(PREFIX_ALPHABET.length)]).join('');
  return `do_${visible}_${randomBytes(24).toString('base64url')}`;
}

const ISSUED_KEY_SHAPE = new RegExp(`^do_[${PREFIX_ALPHABET}]{${KEY_PREFIX_LENGTH - 3}}_[A-Za-z0-9_-]{32}$`);

/** True for a key that looks like one `generateApiKey` issues (says nothing about whether it is valid). */
export function hasIssuedKeyShape(key: string): boolean {
  return ISSUED_KEY_SHAPE.test(key);
}

export function keyPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX_LENGTH);
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
