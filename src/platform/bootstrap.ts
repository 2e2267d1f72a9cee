// Connects the stores and Temporal for an entry point, turning every failure into one line that
// names the setting to fix, instead of a stack trace.
import { Connection, TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { AppConfig, ConfigError, loadConfig, redact } from './config';
import { MongoStores, connectMongo, ensureMongoIndexes } from './db/mongo';
import type { Logger } from './logger';
import { PgPool, createPgPool, pingPostgres } from './db/postgres';

export async function connectPostgres(config: AppConfig): Promise<PgPool> {
  const pool = createPgPool(config.postgres.url, config.postgres.poolSize);
  try {
    await pingPostgres(pool);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new ConfigError('DATABASE_URL', `cannot connect to ${redact(config.postgres.url)}: ${describe(err)}`);
  }
  return pool;
}

/** With `log`, a client replaced after a store restart is one warning on it (else one line on stderr). */
export async function connectMongoStores(config: AppConfig, log?: Logger): Promise<MongoStores> {
  try {
    const onClientReplaced = log && ((report: object) => log.warn({ report }, 'mongodb: client replaced after a store restart'));
    const stores = await connectMongo(config.mongo.url, config.mongo.database, { onClientReplaced });
    await ensureMongoIndexes(stores, { ferretdbPostgresUrl: config.mongo.ferretdbPostgresUrl });
    return stores;
  } catch (err) {
    throw new ConfigError('MONGO_URL', `cannot connect to ${redact(config.mongo.url)}: ${describe(err)}`);
  }
}

/**
 * What both the API's Client connection and the worker's NativeConnection are given: the address, and TLS (mTLS)
 * and the API key when configured (TEMPORAL_TLS_*, TEMPORAL_API_KEY).
 */
export function temporalConnectionOptions(temporal: AppConfig['temporal']): {
  address: string;
  tls?: TLSConfig | false;
  apiKey?: string;
} {
  const { tls, apiKey } = temporal;
  return {
    address: temporal.address,
    // false, not absent, when off: the SDK would turn TLS on for an API key by itself.
    tls: tls
      ? {
          ...(tls.clientCertPair ? { clientCertPair: tls.clientCertPair } : {}),
          ...(tls.serverRootCACertificate ? { serverRootCACertificate: tls.serverRootCACertificate } : {}),
          ...(tls.serverNameOverride ? { serverNameOverride: tls.serverNameOverride } : {}),
        }
      : false,
    ...(apiKey ? { apiKey } : {}),
  };
}

export async function connectTemporalClient(config: AppConfig): Promise<Connection> {
  try {
    return await Connection.connect({ ...temporalConnectionOptions(config.temporal), connectTimeout: '5s' });
  } catch (err) {
    throw new ConfigError('TEMPORAL_ADDRESS', `cannot connect to ${describeTemporal(config)}: ${describe(err)}`);
  }
}

export async function connectTemporalWorker(config: AppConfig): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(temporalConnectionOptions(config.temporal));
  } catch (err) {
    throw new ConfigError('TEMPORAL_ADDRESS', `cannot connect to ${describeTemporal(config)}: ${describe(err)}`);
  }
}

/** The address and how it is reached, for an error line: "host:7233 (TLS, client certificate, API key)". */
function describeTemporal(config: AppConfig): string {
  const { address, tls, apiKey } = config.temporal;
  const how = [
    tls && 'TLS',
    tls?.clientCertPair && 'client certificate',
    tls?.serverRootCACertificate && 'TEMPORAL_TLS_CA',
    apiKey && 'API key',
  ];
  const shown = how.filter((part): part is string => typeof part === 'string');
  return shown.length > 0 ? `${address} (${shown.join(', ')})` : address;
}

/** Runs an entry point; a ConfigError ends the process with one line and exit code 1. */
export function runMain(name: string, main: (config: AppConfig) => Promise<void>): void {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    fail(name, err);
    return;
  }
  main(config).catch((err) => fail(name, err));
}

function fail(name: string, err: unknown): void {
  if (err instanceof ConfigError) {
    process.stderr.write(`${name}: configuration error: ${err.message}\n`);
  } else {
    process.stderr.write(`${name}: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
}

function describe(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length) return describe(err.errors[0]);
  if (err instanceof Error) return (err as NodeJS.ErrnoException).code ?? err.message.split('\n')[0]!;
  return String(err);
}
