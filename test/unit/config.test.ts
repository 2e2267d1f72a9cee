import { ConfigError, loadConfig, redact } from '../../src/config';

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

  it('limits the gateway: 50 lock commands a second, 50 at once per worker, unlocks unlimited on 200 slots', () => {
    const { commandsPerSecond, maxConcurrentCommands, unlocksPerSecond, maxConcurrentUnlocks } = loadConfig({}).gateway;
    expect({ commandsPerSecond, maxConcurrentCommands, unlocksPerSecond, maxConcurrentUnlocks }).toEqual({
      commandsPerSecond: 50,
      maxConcurrentCommands: 50,
      unlocksPerSecond: 0,
      maxConcurrentUnlocks: 200,
    });
    const set = loadConfig({
      GATEWAY_COMMANDS_PER_SECOND: '5',
      GATEWAY_MAX_CONCURRENT_COMMANDS: '2',
      GATEWAY_UNLOCKS_PER_SECOND: '100',
    }).gateway;
    expect([set.commandsPerSecond, set.maxConcurrentCommands, set.unlocksPerSecond]).toEqual([5, 2, 100]);
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
    [{ GATEWAY_MAX_CONCURRENT_UNLOCKS: '0' }, 'GATEWAY_MAX_CONCURRENT_UNLOCKS: 0 is outside 1..10000'],
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
});
