// Every setting, parsed and validated once at start-up. A bad value stops start-up with one line
// that names the setting (ConfigError), never a stack trace.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MAX_UNLOCK_LEAD_MS } from '../tempLocks/contract';

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** TLS toward the Temporal frontend (a managed or secured Temporal): PEM bytes as the SDK's connections take them. */
interface TemporalTls {
  /** The client's certificate and private key (mTLS), or null for server-side TLS only. */
  clientCertPair: { crt: Buffer; key: Buffer } | null;
  /** The CA that issued the server's certificate; null: the system's trusted CAs. */
  serverRootCACertificate: Buffer | null;
  /** The name the server's certificate is checked against (SNI), when it is not the host of TEMPORAL_ADDRESS. */
  serverNameOverride: string | null;
}

export interface AppConfig {
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    uiUrl: string;
    /** How long an API request waits for Temporal (start, describe, signal) before it answers 503. */
    requestDeadlineMs: number;
    /** null: plain gRPC (the local dev server). */
    tls: TemporalTls | null;
    /** Sent as `Authorization: Bearer <key>` (Temporal Cloud's API keys); never logged. */
    apiKey: string | null;
  };
  postgres: { url: string; poolSize: number };
  mongo: {
    url: string;
    database: string;
    /** FerretDB's own PostgreSQL database, when MONGO_URL is FerretDB on PostgreSQL: lookup indexes go there (src/platform/db/ferretdbPostgres.ts). */
    ferretdbPostgresUrl: string | null;
  };
  api: {
    host: string;
    port: number;
    jsonBodyLimitBytes: number;
    publicUrl: string;
    rateLimitPerSecond: number;
    gatewayRateLimitPerSecond: number;
    /** Failed authentications per client address and minute before 429; 0 turns the limit off. */
    authFailuresPerMinute: number;
    /** Valid API keys cached per API process, and how long one is trusted before it is looked up again. */
    authCacheSize: number;
    authCacheTtlMs: number;
    /** Lookups a second, all throttled addresses together, of keys with the issued shape (see FailedAuthLimiter). */
    authShapedLookupsPerSecond: number;
    /** Live-progress streams open at once per API key and per process; beyond, 429. */
    liveStreamsPerKey: number;
    liveStreamsPerProcess: number;
    /** A live-progress stream with nothing to send this long is closed; so is any stream open this long. */
    liveStreamIdleMs: number;
    liveStreamMaxMs: number;
    /** After SIGTERM, how long requests already received get to finish before uploads give up (503). */
    shutdownGraceMs: number;
    /** The built operators' portal (`npm run build` writes it), served at `/`. */
    portalDir: string;
  };
  upload: { maxRows: number; maxBytes: number };
  gateway: {
    url: string | null;
    timeoutMs: number;
    /** LOCK commands (devices) per second toward the gateway, all workers together (the Temporal server enforces it). */
    commandsPerSecond: number;
    /** LOCK commands one worker holds at once (gathering into groups or in a request): at least groupMaxDevices. */
    maxConcurrentCommands: number;
    /** How long a group of commands gathers before it is sent, and how many devices it holds at most. */
    groupWaitMs: number;
    groupMaxDevices: number;
    /** Requests per second, per kind and worker (a request carries a group); 0: no limit. */
    requestsPerSecond: number;
    /** UNLOCK commands started per second, all workers together; 0: no limit (a due unlock is never held back). */
    unlocksPerSecond: number;
    /** UNLOCKs one worker runs at once; an unlock waiting out its lead holds one: about unlocks per second × lead seconds. */
    maxConcurrentUnlocks: number;
  };
  worker: {
    /** After SIGTERM, how long in-flight activities get to finish before they are cancelled. */
    shutdownGraceMs: number;
    /** Workflow tasks, local activities (store writes) and activities one worker runs at once. */
    maxWorkflowTasks: number;
    maxLocalActivities: number;
    /** Activity slots for everything but the gateway's commands, which have their own (gateway.*). */
    maxActivities: number;
    /** host:port of the Temporal SDK's Prometheus metrics (WORKER_METRICS_ADDRESS), or null for none. */
    metricsAddress: string | null;
  };
  batch: {
    windowSize: number;
    pageSize: number;
    childrenPerRun: number;
    /** How long a previewed batch (preview=true) waits to be started before it is discarded. */
    previewTtlMs: number;
  };
  tempLock: {
    /** Length of one lock minute in ms: 60000, except in demos and tests that want minutes to pass quickly. */
    minuteMs: number;
    /** How long DEACTIVATING waits for the device's check-in after the unlock command before finishing anyway. */
    deactivationWaitMs: number;
    /** How long an overriding assign waits for the current lock to end (unlocked, CANCELLED). */
    overrideWaitMs: number;
    /** How much earlier than a lock's end its timer fires; the unlock then waits for the end (TempLockInput.unlockLeadMs). */
    unlockLeadMs: number;
  };
  webhooks: {
    /** The wait after an event's first failed delivery; it doubles after each failure (at most 5 s). */
    retryBaseMs: number;
    /** The longest wait between two attempts of an event. */
    retryMaxMs: number;
    /** How long an event is retried before it is marked FAILED and the next ones go on. */
    giveUpAfterMs: number;
    /** One POST's timeout. */
    requestTimeoutMs: number;
    /** How often a delivery workflow looks for pending events without being told of new ones. */
    sweepMs: number;
    /** How long a finished event (DELIVERED or FAILED) and its attempts are kept. */
    retentionMs: number;
    /** Whether subscriptions may target loopback, private and link-local addresses (local development, tests). */
    allowPrivateTargets: boolean;
  };
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

type Env = Record<string, string | undefined>;

/** In production the service addresses must be given: the defaults only suit the local stack. */
const REQUIRED_IN_PRODUCTION = ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'MONGO_URL'];

export function loadConfig(env: Env = process.env): AppConfig {
  if (env.NODE_ENV === 'production') {
    const missing = REQUIRED_IN_PRODUCTION.find((name) => !env[name]?.trim());
    if (missing) throw new ConfigError(missing, 'is required when NODE_ENV=production (the default only suits the local stack)');
  }
  const apiHost = text(env, 'API_HOST', '127.0.0.1');
  const apiPort = integer(env, 'API_PORT', 3000, 1, 65535);
  return {
    temporal: {
      address: hostPort(env, 'TEMPORAL_ADDRESS', '127.0.0.1:7233'),
      namespace: text(env, 'TEMPORAL_NAMESPACE', 'default'),
      taskQueue: text(env, 'TASK_QUEUE', 'device-orchestrator'),
      uiUrl: url(env, 'TEMPORAL_UI_URL', 'http://127.0.0.1:8233', ['http:', 'https:']),
      requestDeadlineMs: integer(env, 'TEMPORAL_REQUEST_DEADLINE_MS', 5_000, 100, 60_000),
      ...temporalSecurity(env),
    },
    postgres: {
      url: url(env, 'DATABASE_URL', 'postgres://postgres@127.0.0.1:55432/device_orchestrator', ['postgres:', 'postgresql:']),
      poolSize: integer(env, 'PG_POOL_SIZE', 20, 1, 500),
    },
    mongo: {
      url: url(env, 'MONGO_URL', 'mongodb://127.0.0.1:27017/', ['mongodb:', 'mongodb+srv:']),
      database: text(env, 'MONGO_DB', 'device_orchestrator'),
      ferretdbPostgresUrl: env.FERRETDB_POSTGRES_URL?.trim() ? url(env, 'FERRETDB_POSTGRES_URL', '', ['postgres:', 'postgresql:']) : null,
    },
    api: {
      host: apiHost,
      port: apiPort,
      jsonBodyLimitBytes: integer(env, 'API_JSON_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
      publicUrl: url(env, 'API_PUBLIC_URL', `http://${apiHost}:${apiPort}`, ['http:', 'https:']),
      // Per API key; 0 turns the limit off. Device gateways relay every device's check-in.
      rateLimitPerSecond: integer(env, 'RATE_LIMIT_PER_SECOND', 50, 0, 1_000_000),
      gatewayRateLimitPerSecond: integer(env, 'RATE_LIMIT_GATEWAY_PER_SECOND', 5000, 0, 1_000_000),
      authFailuresPerMinute: integer(env, 'AUTH_FAILURES_PER_MINUTE', 30, 0, 1_000_000),
      authCacheSize: integer(env, 'AUTH_CACHE_SIZE', 10_000, 1, 1_000_000),
      // At most a second, so a revoked key stops working within a second on every API process.
      authCacheTtlMs: integer(env, 'AUTH_CACHE_TTL_MS', 1000, 0, 1000),
      authShapedLookupsPerSecond: integer(env, 'AUTH_SHAPED_LOOKUPS_PER_SECOND', 20, 0, 100_000),
      liveStreamsPerKey: integer(env, 'LIVE_STREAMS_PER_KEY', 10, 1, 10_000),
      liveStreamsPerProcess: integer(env, 'LIVE_STREAMS_PER_PROCESS', 500, 1, 100_000),
      liveStreamIdleMs: integer(env, 'LIVE_STREAM_IDLE_MS', 10 * 60_000, 1000, 24 * 3600_000),
      liveStreamMaxMs: integer(env, 'LIVE_STREAM_MAX_MS', 3600_000, 1000, 7 * 24 * 3600_000),
      shutdownGraceMs: integer(env, 'API_SHUTDOWN_GRACE_MS', 30_000, 0, 600_000),
      // src/platform/ and dist/platform/ sit at the same depth, so one relative path serves both `npm start` and the tests.
      portalDir: resolve(text(env, 'PORTAL_DIR', join(__dirname, '..', '..', 'dist', 'portal'))),
    },
    upload: {
      maxRows: integer(env, 'UPLOAD_MAX_ROWS', 1_000_000, 1, 100_000_000),
      maxBytes: integer(env, 'UPLOAD_MAX_BYTES', 64 * 1024 * 1024, 1024, 4 * 1024 * 1024 * 1024),
    },
    gateway: {
      url: env.GATEWAY_URL ? url(env, 'GATEWAY_URL', '', ['http:', 'https:']) : null,
      timeoutMs: integer(env, 'GATEWAY_TIMEOUT_MS', 5000, 100, 120000),
      commandsPerSecond: integer(env, 'GATEWAY_COMMANDS_PER_SECOND', 1000, 1, 100_000),
      maxConcurrentCommands: integer(env, 'GATEWAY_MAX_CONCURRENT_COMMANDS', 1000, 1, 20_000),
      unlocksPerSecond: integer(env, 'GATEWAY_UNLOCKS_PER_SECOND', 0, 0, 100_000),
      maxConcurrentUnlocks: integer(env, 'GATEWAY_MAX_CONCURRENT_UNLOCKS', 2000, 1, 20_000),
      groupWaitMs: integer(env, 'GATEWAY_GROUP_WAIT_MS', 200, 0, 2_000),
      groupMaxDevices: integer(env, 'GATEWAY_GROUP_MAX', 500, 1, 10_000),
      requestsPerSecond: integer(env, 'GATEWAY_REQUESTS_PER_SECOND', 20, 0, 10_000),
    },
    worker: {
      shutdownGraceMs: integer(env, 'WORKER_SHUTDOWN_GRACE_MS', 30_000, 0, 3_600_000),
      maxWorkflowTasks: integer(env, 'WORKER_MAX_WORKFLOW_TASKS', 100, 2, 10_000),
      maxLocalActivities: integer(env, 'WORKER_MAX_LOCAL_ACTIVITIES', 100, 1, 10_000),
      maxActivities: integer(env, 'WORKER_MAX_ACTIVITIES', 200, 1, 10_000),
      // The Temporal SDK's metrics in Prometheus text at http://<address>/metrics; empty: none.
      metricsAddress: metricsAddress(env, 'WORKER_METRICS_ADDRESS', '127.0.0.1:9464'),
    },
    batch: {
      windowSize: integer(env, 'BATCH_WINDOW_SIZE', 200, 1, 1000),
      pageSize: integer(env, 'BATCH_PAGE_SIZE', 500, 1, 5000),
      // Children a BatchAssign run starts before continue-as-new (history stays far below 51,200 events).
      childrenPerRun: integer(env, 'BATCH_CHILDREN_PER_RUN', 2000, 1, 5000),
      previewTtlMs: integer(env, 'BATCH_PREVIEW_TTL_MS', 24 * 3_600_000, 1_000, 30 * 24 * 3_600_000),
    },
    webhooks: {
      retryBaseMs: integer(env, 'WEBHOOK_RETRY_BASE_MS', 5_000, 10, 5_000),
      retryMaxMs: integer(env, 'WEBHOOK_RETRY_MAX_MS', 3_600_000, 10, 24 * 3_600_000),
      giveUpAfterMs: integer(env, 'WEBHOOK_GIVE_UP_AFTER_MS', 3 * 24 * 3_600_000, 1_000, 30 * 24 * 3_600_000),
      requestTimeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
      sweepMs: integer(env, 'WEBHOOK_SWEEP_MS', 300_000, 1_000, 24 * 3_600_000),
      retentionMs: integer(env, 'WEBHOOK_RETENTION_MS', 14 * 24 * 3_600_000, 60_000, 366 * 24 * 3_600_000),
      allowPrivateTargets: oneOf(env, 'WEBHOOK_ALLOW_PRIVATE_TARGETS', 'false', ['true', 'false'] as const) === 'true',
    },
    tempLock: {
      minuteMs: integer(env, 'TEMP_LOCK_MINUTE_MS', 60_000, 1, 60_000),
      deactivationWaitMs: integer(env, 'TEMP_LOCK_DEACTIVATION_WAIT_MS', 10 * 60_000, 0, 7 * 24 * 3_600_000),
      overrideWaitMs: integer(env, 'TEMP_LOCK_OVERRIDE_WAIT_MS', 30_000, 100, 600_000),
      unlockLeadMs: integer(env, 'TEMP_LOCK_UNLOCK_LEAD_MS', 4_000, 0, MAX_UNLOCK_LEAD_MS),
    },
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['debug', 'info', 'warn', 'error', 'silent'] as const),
  };
}

/**
 * TLS and API-key auth toward Temporal. TLS is on when TEMPORAL_TLS=true, when any TEMPORAL_TLS_* setting or
 * TEMPORAL_API_KEY is given (a key must not travel in clear), unless TEMPORAL_TLS=false says otherwise. Certificates
 * and keys are file paths or the PEM text itself; each is read and checked here, so a wrong file stops start-up with
 * its variable's name instead of a handshake error later.
 */
function temporalSecurity(env: Env): { tls: TemporalTls | null; apiKey: string | null } {
  const apiKey = env.TEMPORAL_API_KEY?.trim() || null;
  if (apiKey !== null && /\s/.test(apiKey)) throw new ConfigError('TEMPORAL_API_KEY', 'contains white space (a key is one token)');
  const certText = pem(env, 'TEMPORAL_TLS_CERT', 'CERTIFICATE');
  const keyText = pem(env, 'TEMPORAL_TLS_KEY', 'PRIVATE KEY');
  const caText = pem(env, 'TEMPORAL_TLS_CA', 'CERTIFICATE');
  const serverName = env.TEMPORAL_TLS_SERVER_NAME?.trim() || null;
  if (serverName !== null && !/^[A-Za-z0-9.-]+$/.test(serverName))
    throw new ConfigError('TEMPORAL_TLS_SERVER_NAME', `"${serverName}" is not a host name`);
  const given = [
    certText && 'TEMPORAL_TLS_CERT',
    keyText && 'TEMPORAL_TLS_KEY',
    caText && 'TEMPORAL_TLS_CA',
    serverName && 'TEMPORAL_TLS_SERVER_NAME',
  ];
  const settings = given.filter((name): name is string => typeof name === 'string');
  const switched = env.TEMPORAL_TLS?.trim() ? oneOf(env, 'TEMPORAL_TLS', 'false', ['true', 'false'] as const) : null;
  if (switched === 'false') {
    if (settings.length > 0)
      throw new ConfigError('TEMPORAL_TLS', `is false, but ${settings.join(', ')} ${settings.length > 1 ? 'are' : 'is'} set`);
    return { tls: null, apiKey };
  }
  if (switched === null && settings.length === 0 && apiKey === null) return { tls: null, apiKey };
  if (certText && !keyText)
    throw new ConfigError('TEMPORAL_TLS_KEY', "is required with TEMPORAL_TLS_CERT (the client certificate's private key, for mTLS)");
  if (keyText && !certText)
    throw new ConfigError('TEMPORAL_TLS_CERT', 'is required with TEMPORAL_TLS_KEY (the client certificate, for mTLS)');
  if (caText) certificate(caText, 'TEMPORAL_TLS_CA');
  let clientCertPair: TemporalTls['clientCertPair'] = null;
  if (certText && keyText) {
    const cert = certificate(certText, 'TEMPORAL_TLS_CERT');
    let key;
    try {
      key = createPrivateKey(keyText);
    } catch (err) {
      throw new ConfigError('TEMPORAL_TLS_KEY', `is not a readable private key: ${firstLine(err)}`);
    }
    if (!cert.checkPrivateKey(key))
      throw new ConfigError('TEMPORAL_TLS_KEY', 'is not the private key of the certificate in TEMPORAL_TLS_CERT');
    if (Date.parse(cert.validTo) < Date.now()) throw new ConfigError('TEMPORAL_TLS_CERT', `the certificate expired on ${cert.validTo}`);
    clientCertPair = { crt: Buffer.from(certText), key: Buffer.from(keyText) };
  }
  const tls = { clientCertPair, serverRootCACertificate: caText ? Buffer.from(caText) : null, serverNameOverride: serverName };
  return { tls, apiKey };
}

/** A PEM setting: the PEM text itself, or the path of a file holding it; null when unset. */
function pem(env: Env, name: string, label: 'CERTIFICATE' | 'PRIVATE KEY'): string | null {
  const raw = env[name]?.trim();
  if (!raw) return null;
  const inline = raw.startsWith('-----BEGIN');
  let text = env[name]!;
  if (!inline) {
    try {
      text = readFileSync(raw, 'utf8');
    } catch (err) {
      throw new ConfigError(name, `cannot read ${raw}: ${(err as NodeJS.ErrnoException).code ?? firstLine(err)}`);
    }
  }
  const begins = label === 'CERTIFICATE' ? /-----BEGIN CERTIFICATE-----/ : /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
  if (!begins.test(text)) {
    const where = inline ? 'the value' : raw;
    throw new ConfigError(
      name,
      `${where} holds no PEM ${label.toLowerCase()} (no "-----BEGIN ${label === 'CERTIFICATE' ? 'CERTIFICATE' : '... PRIVATE KEY'}-----" line)`,
    );
  }
  return text;
}

function certificate(text: string, name: string): X509Certificate {
  try {
    return new X509Certificate(text);
  } catch (err) {
    throw new ConfigError(name, `is not a readable certificate: ${firstLine(err)}`);
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

/** host:port to listen on; set but empty: none. */
function metricsAddress(env: Env, name: string, fallback: string): string | null {
  const value = env[name]?.trim();
  if (value === undefined) return fallback;
  if (value === '') return null;
  if (!/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/.test(value))
    throw new ConfigError(name, `must be host:port (e.g. ${fallback}) or empty for none, got ${value}`);
  return value;
}

function text(env: Env, name: string, fallback: string): string {
  const value = env[name]?.trim();
  if (value === undefined || value === '') return fallback;
  return value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `"${raw}" is not an integer`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `${value} is outside ${min}..${max}`);
  return value;
}

function url(env: Env, name: string, fallback: string, protocols: string[]): string {
  const raw = text(env, name, fallback);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `"${redact(raw)}" is not a valid URL (expected ${protocols.map((p) => `${p}//...`).join(' or ')})`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `"${redact(raw)}" must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return raw;
}

function hostPort(env: Env, name: string, fallback: string): string {
  const raw = text(env, name, fallback);
  if (!/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/.test(raw)) throw new ConfigError(name, `"${raw}" is not host:port`);
  return raw;
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = text(env, name, fallback);
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(name, `"${raw}" is not one of ${allowed.join(', ')}`);
  return raw as T;
}

/** Hides the password part of a URL so it never reaches a log or an error line. */
export function redact(rawUrl: string): string {
  return rawUrl.replace(/\/\/([^:/@]+):([^@/]*)@/, '//$1:***@');
}
