// The `npm run admin` commands: tenants and API keys for a deployment. Each command is one store
// call (src/tenants/store.ts, apiKeyStore.ts), so a refused command writes nothing; its one-line refusal is an AdminInputError.
import type { Pool } from 'pg';
import { parseArgs } from 'node:util';
import { issueApiKey, listApiKeys, revokeApiKey } from '../apiKeyStore';
import { StoreRefusal } from '../../platform/db/storeRefusal';
import { createTenant, listTenants } from '../store';
import { isRole, ROLES } from '../apiKeys';

export const USAGE = `usage: npm run admin -- <command>
  tenant create --name <name> [--parent <tenantId>] [--id <tenantId>]   add a tenant (id derived from the name unless given)
  tenant list                                                            the tenant tree
  key create --tenant <tenantId> --role <${ROLES.join('|')}> --name <name>
                                                                         issue a key; prints it once, on stdout
  key list [--tenant <tenantId>] [--all]                                 keys (prefix, tenant, name, role, created, last used); --all adds revoked ones
  key revoke <prefix>                                                    revoke a key (within a second on every API process)`;

/** Bad input: printed as one line, exit code 1, nothing written. */
export class AdminInputError extends Error {}

export interface AdminOutput {
  /** The command's result (a key, a listing): what a script captures. */
  out(line: string): void;
  /** Notes for the person at the terminal. */
  note(line: string): void;
}

const TENANT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export async function runAdminCommand(pool: Pool, argv: string[], output: AdminOutput): Promise<void> {
  const [noun, verb, ...rest] = argv;
  try {
    switch (`${noun ?? ''} ${verb ?? ''}`) {
      case 'tenant create':
        return await createTenantCommand(pool, rest, output);
      case 'tenant list':
        return await listTenantsCommand(pool, rest, output);
      case 'key create':
        return await createKeyCommand(pool, rest, output);
      case 'key list':
        return await listKeysCommand(pool, rest, output);
      case 'key revoke':
        return await revokeKeyCommand(pool, rest, output);
      default:
        throw new AdminInputError(`unknown command "${argv.join(' ')}"; commands: tenant create|list, key create|list|revoke (see --help)`);
    }
  } catch (err) {
    if (err instanceof StoreRefusal) throw new AdminInputError(err.message);
    throw err;
  }
}

async function createTenantCommand(pool: Pool, args: string[], output: AdminOutput): Promise<void> {
  const options = parse(args, { name: { type: 'string' }, parent: { type: 'string' }, id: { type: 'string' } });
  const name = required(options.name, '--name').trim();
  if (name.length > 200) throw new AdminInputError('--name is longer than 200 characters');
  const id = options.id ?? slug(name);
  if (!TENANT_ID.test(id)) {
    throw new AdminInputError(
      `tenant id "${id}" must be 1-63 lowercase letters, digits, "-" or "_", starting with a letter or digit (give --id)`,
    );
  }
  const tenant = await createTenant(pool, { id, name, parentId: options.parent ?? null });
  output.out(tenant.id);
  output.note(`created tenant ${tenant.id} ("${tenant.name}")${tenant.parentId ? ` under ${tenant.parentId}` : ' at the top level'}`);
}

async function listTenantsCommand(pool: Pool, args: string[], output: AdminOutput): Promise<void> {
  parse(args, {});
  const tenants = await listTenants(pool);
  table(
    output,
    ['ID', 'PARENT', 'NAME', 'CREATED'],
    tenants.map((t) => [t.id, t.parentId ?? '-', t.name, t.createdAt.toISOString()]),
  );
}

async function createKeyCommand(pool: Pool, args: string[], output: AdminOutput): Promise<void> {
  const options = parse(args, { tenant: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } });
  const tenantId = required(options.tenant, '--tenant');
  const role = required(options.role, '--role');
  const name = required(options.name, '--name').trim();
  if (!isRole(role)) throw new AdminInputError(`unknown role "${role}": use one of ${ROLES.join(', ')}`);
  if (name === '' || name.length > 100) throw new AdminInputError('--name must be 1-100 characters');
  const { key, listing } = await issueApiKey(pool, { tenantId, name, role });
  output.out(key);
  output.note(`API key ${listing.prefix}… (${listing.role}, "${listing.name}") for tenant ${listing.tenantId}: shown once, store it now`);
}

async function listKeysCommand(pool: Pool, args: string[], output: AdminOutput): Promise<void> {
  const options = parse(args, { tenant: { type: 'string' }, all: { type: 'boolean' } });
  const keys = await listApiKeys(pool, { tenantId: options.tenant, includeRevoked: options.all ?? false });
  const when = (d: Date | null) => (d ? d.toISOString() : '-');
  table(
    output,
    ['PREFIX', 'TENANT', 'NAME', 'ROLE', 'CREATED', 'LAST USED', ...(options.all ? ['REVOKED'] : [])],
    keys.map((k) => [
      k.prefix,
      k.tenantId,
      k.name,
      k.role,
      when(k.createdAt),
      when(k.lastUsedAt),
      ...(options.all ? [when(k.revokedAt)] : []),
    ]),
  );
}

async function revokeKeyCommand(pool: Pool, args: string[], output: AdminOutput): Promise<void> {
  const { positionals } = parseArgs({ args, options: {}, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new AdminInputError('key revoke takes one key prefix, e.g. key revoke do_abcd2345');
  const revoked = await revokeApiKey(pool, positionals[0]!);
  output.note(`revoked ${revoked.prefix} (${revoked.role}, "${revoked.name}") of tenant ${revoked.tenantId}`);
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

function parse<T extends Options>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true }).values;
  } catch (err) {
    throw new AdminInputError((err as Error).message.split('\n')[0]!);
  }
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw new AdminInputError(`${flag} is required`);
  return value;
}

function slug(name: string): string {
  return name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
}

function table(output: AdminOutput, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows])
    output.out(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}
