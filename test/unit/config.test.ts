import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporalConnectionOptions } from '../../src/platform/bootstrap';
import { ConfigError, loadConfig, redact } from '../../src/platform/config';
import { temporalUiLink } from '../../src/platform/temporal/uiLink';

const tlsFile = (name: string) => join(__dirname, '..', 'fixtures', 'tls', name);

describe('configuration', () => {
  it('has defaults for the local stack', () => {
    const config = loadConfig({});
    expect(config.temporal.address).toBe('127.0.0.1:7233');
    expect(config.postgres.url).toBe('postgres://postgres@127.0.0.1:55432/device_orchestrator');
    expect(config.gateway.url).toBeNull();
    expect(config.api.shutdownGraceMs).toBe(30_000);
    expect(config.worker.shutdownGraceMs).toBe(30_000);
    expect(config.tempLock.unlockLeadMs).toBe(4_000);
    expect([config.worker.maxWorkflowTasks, config.worker.maxLocalActivities, config.worker.maxActivities]).toEqual([100, 100, 200]);
    expect([config.api.authFailuresPerMinute, config.api.authCacheSize, config.api.authCacheTtlMs]).toEqual([30, 10_000, 1000]);
  });

  it('limits the gateway: 1,000 lock commands (devices) a second, in groups of up to 500 gathered for 200 ms, 20 requests a second per kind', () => {
    const {
      url,
      commandsPerSecond,
      maxConcurrentCommands,
      unlocksPerSecond,
      maxConcurrentUnlocks,
      groupWaitMs,
      groupMaxDevices,
      requestsPerSecond,
    } = loadConfig({}).gateway;
    expect({
      url,
      commandsPerSecond,
      maxConcurrentCommands,
      unlocksPerSecond,
      maxConcurrentUnlocks,
      groupWaitMs,
      groupMaxDevices,
      requestsPerSecond,
    }).toEqual({
      url: null,
      commandsPerSecond: 1000,
      maxConcurrentCommands: 1000,
      unlocksPerSecond: 0,
      maxConcurrentUnlocks: 2000,
      groupWaitMs: 200,
      groupMaxDevices: 500,
      requestsPerSecond: 20,
    });
    const set = loadConfig({
      GATEWAY_COMMANDS_PER_SECOND: '5',
      GATEWAY_MAX_CONCURRENT_COMMANDS: '2',
      GATEWAY_UNLOCKS_PER_SECOND: '100',
      GATEWAY_GROUP_WAIT_MS: '1000',
      GATEWAY_GROUP_MAX: '50',
      GATEWAY_REQUESTS_PER_SECOND: '0',
    }).gateway;
    expect([
      set.commandsPerSecond,
      set.maxConcurrentCommands,
      set.unlocksPerSecond,
      set.groupWaitMs,
      set.groupMaxDevices,
      set.requestsPerSecond,
    ]).toEqual([5, 2, 100, 1000, 50, 0]);
  });

  it('reads the shutdown grace periods', () => {
    const config = loadConfig({ API_SHUTDOWN_GRACE_MS: '5000', WORKER_SHUTDOWN_GRACE_MS: '120000' });
    expect({ api: config.api.shutdownGraceMs, worker: config.worker.shutdownGraceMs }).toEqual({ api: 5000, worker: 120_000 });
  });

  it.each([
    [{ DATABASE_URL: 'foo' }, 'DATABASE_URL: "foo" is not a valid URL (expected postgres://... or postgresql://...)'],
    [{ DATABASE_URL: 'mysql://x@y/z' }, 'DATABASE_URL: "mysql://x@y/z" must start with postgres:// or postgresql://'],
    [{ MONGO_URL: 'http://a' }, 'MONGO_URL: "http://a" must start with mongodb:// or mongodb+srv://'],
    [{ TEMPORAL_ADDRESS: 'localhost' }, 'TEMPORAL_ADDRESS: "localhost" is not host:port'],
    [{ API_PORT: 'abc' }, 'API_PORT: "abc" is not an integer'],
    [{ API_PORT: '70000' }, 'API_PORT: 70000 is outside 1..65535'],
    [{ WORKER_SHUTDOWN_GRACE_MS: '-1' }, 'WORKER_SHUTDOWN_GRACE_MS: -1 is outside 0..3600000'],
    [{ TEMP_LOCK_UNLOCK_LEAD_MS: '10001' }, 'TEMP_LOCK_UNLOCK_LEAD_MS: 10001 is outside 0..10000'],
    [{ GATEWAY_COMMANDS_PER_SECOND: '0' }, 'GATEWAY_COMMANDS_PER_SECOND: 0 is outside 1..100000'],
    [{ GATEWAY_MAX_CONCURRENT_COMMANDS: '2.5' }, 'GATEWAY_MAX_CONCURRENT_COMMANDS: "2.5" is not an integer'],
    [{ GATEWAY_MAX_CONCURRENT_UNLOCKS: '0' }, 'GATEWAY_MAX_CONCURRENT_UNLOCKS: 0 is outside 1..20000'],
    [{ GATEWAY_GROUP_MAX: '0' }, 'GATEWAY_GROUP_MAX: 0 is outside 1..10000'],
    [{ AUTH_CACHE_TTL_MS: '30000' }, 'AUTH_CACHE_TTL_MS: 30000 is outside 0..1000'],
    [{ AUTH_CACHE_SIZE: '0' }, 'AUTH_CACHE_SIZE: 0 is outside 1..1000000'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL: "loud" is not one of debug, info, warn, error, silent'],
    [{ NODE_ENV: 'production' }, 'TEMPORAL_ADDRESS: is required when NODE_ENV=production (the default only suits the local stack)'],
  ])('refuses %p with one line naming the setting', (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(message.split(':')[0]!, message.slice(message.indexOf(':') + 2)));
  });

  it('never shows a password in an error', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://user:secret@host/db' })).toThrow(/user:\*\*\*@host/);
    expect(redact('postgres://u:p4ss@h:5432/d')).toBe('postgres://u:***@h:5432/d');
  });

  describe('a managed or secured Temporal: TLS, mTLS, API key', () => {
    const mtls = { TEMPORAL_TLS_CERT: tlsFile('client.pem'), TEMPORAL_TLS_KEY: tlsFile('client-key.pem') };

    it('connects in plain gRPC by default (the local dev server)', () => {
      const { temporal } = loadConfig({});
      expect([temporal.tls, temporal.apiKey]).toEqual([null, null]);
      expect(temporalConnectionOptions(temporal)).toEqual({ address: '127.0.0.1:7233', tls: false });
    });

    it("works in the namespace TEMPORAL_NAMESPACE names (default: `default`), and links the Web UI's pages there", () => {
      expect(loadConfig({}).temporal.namespace).toBe('default');
      const config = loadConfig({ TEMPORAL_NAMESPACE: ' fleet-eu.prod ', TEMPORAL_UI_URL: 'https://temporal.example.net' });
      expect(config.temporal.namespace).toBe('fleet-eu.prod');
      expect(temporalUiLink(config, 'batch-assign/b1/0')).toBe(
        'https://temporal.example.net/namespaces/fleet-eu.prod/workflows/batch-assign%2Fb1%2F0',
      );
    });

    it('reads a client certificate pair, a CA and a server name from files, and gives both connections the same', () => {
      const { temporal } = loadConfig({ ...mtls, TEMPORAL_TLS_CA: tlsFile('ca.pem'), TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' });
      expect(temporalConnectionOptions(temporal)).toEqual({
        address: '127.0.0.1:7233',
        tls: {
          clientCertPair: { crt: readFileSync(tlsFile('client.pem')), key: readFileSync(tlsFile('client-key.pem')) },
          serverRootCACertificate: readFileSync(tlsFile('ca.pem')),
          serverNameOverride: 'temporal.internal',
        },
      });
    });

    it('takes the PEM text itself as well as a path (a secret mounted as a variable)', () => {
      const pem = readFileSync(tlsFile('ca.pem'), 'utf8');
      expect(loadConfig({ TEMPORAL_TLS_CA: pem }).temporal.tls?.serverRootCACertificate?.toString()).toBe(pem);
    });

    it('turns TLS on for an API key (never sent in clear), and on by itself with TEMPORAL_TLS=true', () => {
      const { temporal } = loadConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'key-123' });
      expect(temporalConnectionOptions(temporal)).toEqual({ address: 'ns.acct.tmprl.cloud:7233', tls: {}, apiKey: 'key-123' });
      expect(temporalConnectionOptions(loadConfig({ TEMPORAL_TLS: 'true' }).temporal).tls).toEqual({});
      expect(temporalConnectionOptions(loadConfig({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' }).temporal).tls).toBe(false);
    });

    const missing = tlsFile('missing.pem');
    it.each([
      [
        { TEMPORAL_TLS_CERT: tlsFile('client.pem') },
        "TEMPORAL_TLS_KEY: is required with TEMPORAL_TLS_CERT (the client certificate's private key, for mTLS)",
      ],
      [
        { TEMPORAL_TLS_KEY: tlsFile('client-key.pem') },
        'TEMPORAL_TLS_CERT: is required with TEMPORAL_TLS_KEY (the client certificate, for mTLS)',
      ],
      [{ ...mtls, TEMPORAL_TLS_CA: missing }, `TEMPORAL_TLS_CA: cannot read ${missing}: ENOENT`],
      [
        { ...mtls, TEMPORAL_TLS_CERT: tlsFile('client-key.pem') },
        `TEMPORAL_TLS_CERT: ${tlsFile('client-key.pem')} holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" line)`,
      ],
      [
        { ...mtls, TEMPORAL_TLS_KEY: tlsFile('client.pem') },
        `TEMPORAL_TLS_KEY: ${tlsFile('client.pem')} holds no PEM private key (no "-----BEGIN ... PRIVATE KEY-----" line)`,
      ],
      [
        { ...mtls, TEMPORAL_TLS_KEY: tlsFile('other-key.pem') },
        'TEMPORAL_TLS_KEY: is not the private key of the certificate in TEMPORAL_TLS_CERT',
      ],
      [
        { TEMPORAL_TLS_CERT: tlsFile('expired.pem'), TEMPORAL_TLS_KEY: tlsFile('expired-key.pem') },
        'TEMPORAL_TLS_CERT: the certificate expired on Jan  2 00:00:00 2020 GMT',
      ],
      [{ ...mtls, TEMPORAL_TLS: 'false' }, 'TEMPORAL_TLS: is false, but TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY are set'],
      [{ TEMPORAL_TLS: 'yes' }, 'TEMPORAL_TLS: "yes" is not one of true, false'],
      [{ TEMPORAL_TLS_SERVER_NAME: 'https://temporal' }, 'TEMPORAL_TLS_SERVER_NAME: "https://temporal" is not a host name'],
      [{ TEMPORAL_API_KEY: 'two words' }, 'TEMPORAL_API_KEY: contains white space (a key is one token)'],
    ])('refuses %p naming the variable and what is wrong', (env, message) => {
      expect(() => loadConfig(env)).toThrow(new ConfigError(message.split(':')[0]!, message.slice(message.indexOf(':') + 2)));
    });

    it('a PEM that does not parse is refused by name', () => {
      const broken = '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n';
      expect(() => loadConfig({ TEMPORAL_TLS_CA: broken })).toThrow(/^TEMPORAL_TLS_CA: is not a readable certificate: /);
    });
  });
});
