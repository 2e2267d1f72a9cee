// A store restarted under a live process: the MongoDB client (src/platform/db/mongo.ts) and the PostgreSQL
// pool (src/platform/db/postgres.ts) answer again once their server is back, and a MongoDB client whose
// monitor stopped checking is replaced behind the same stores object. On a PostgreSQL and a FerretDB
// of this file's own (own ports, own data folder), so the shared services are never touched.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { MongoClient, ObjectId } from 'mongodb';
import { Pool } from 'pg';
import { MongoStores, closeMongo, connectMongo } from '../../src/platform/db/mongo';
import type { StuckClientReport } from '../../src/platform/db/mongoRecovery';
import { createPgPool } from '../../src/platform/db/postgres';
import { waitFor } from './harness';

const SERVICES = resolve(__dirname, '..', '..', 'scripts', 'services.sh');

describe('a store restarted under a live process', () => {
  let env: NodeJS.ProcessEnv;
  let mongoUrl: string;
  let pgUrl: string;

  const services = (command: string) => promisify(execFile)('bash', [SERVICES, command], { env });

  beforeAll(async () => {
    const [pgPort, mongoPort, debugPort] = await freePorts(3);
    const dataDir = await mkdtemp(join(tmpdir(), 'do-store-restart-'));
    env = { ...process.env, DO_DATA_DIR: dataDir, PG_PORT: `${pgPort}`, MONGO_PORT: `${mongoPort}`, FERRETDB_DEBUG_PORT: `${debugPort}` };
    for (const name of ['DATABASE_URL', 'MONGO_URL', 'TEMPORAL_ADDRESS', 'FERRETDB_POSTGRES_URL']) delete env[name];
    mongoUrl = `mongodb://127.0.0.1:${mongoPort}/`;
    pgUrl = `postgres://postgres@127.0.0.1:${pgPort}/device_orchestrator`;
    await services('start-ferretdb'); // starts its PostgreSQL backend first
  });
  afterAll(async () => {
    await services('stop').catch(() => undefined);
    await rm(env.DO_DATA_DIR!, { recursive: true, force: true });
  });

  describe('MongoDB (FerretDB)', () => {
    let stores: MongoStores;
    const replaced: StuckClientReport[] = [];

    beforeEach(async () => {
      replaced.length = 0;
      stores = await connectMongo(mongoUrl, 'store_restart', {
        onClientReplaced: (report) => replaced.push(report),
        recovery: { graceMs: 5_000, checkEveryMs: 500 },
      });
    });
    afterEach(() => closeMongo(stores));

    it('answers again once FerretDB is back, through the same client', async () => {
      await stores.devices.insertOne(deviceDoc('before-restart'));
      const clientBefore = realClient(stores);

      await restartFerretdb();
      const found = await waitFor('a write and a read after the restart', () => writeAndRead(stores, 'after-restart'));

      expect(found?.device_uid).toBe('after-restart');
      expect(await stores.devices.countDocuments({ device_uid: 'before-restart' })).toBe(1);
      expect(replaced).toEqual([]); // the driver found the server itself: nothing was replaced
      expect(realClient(stores)).toBe(clientBefore);
    });

    it('replaces a client whose monitor stopped checking, behind the same stores object', async () => {
      const kept = stores.workflowVersions; // held the way the simulated gateway holds its collection
      await wedgeMonitor(realClient(stores));
      // Writes in flight when FerretDB stops fail on their connection: that marks the server unknown,
      // and only a monitor check could mark it known again.
      const load = startWrites(stores);

      await restartFerretdb();
      const back = Date.now();
      await waitFor('the client replaced', async () => replaced.length > 0);
      const failuresWhileBack = load.stop().filter((f) => f.at > back && f.name === 'MongoServerSelectionError');
      const found = await waitFor('a write and a read on the replacement', () => writeAndRead(stores, 'after-replacement'));

      expect(failuresWhileBack.length).toBeGreaterThan(0); // stuck: failing while the store answered
      expect(found?.device_uid).toBe('after-replacement');
      expect(replaced).toHaveLength(1);
      expect(replaced[0]!.lastError).toMatch(/closed|ECONN/);
      expect(replaced[0]!.monitorStates.join()).toMatch(/monitoring/);
      const insertedId = new ObjectId();
      await kept.insertOne({
        _id: insertedId,
        name: 'kept',
        tenant_id: 'store-restart',
        service_type_id: 1,
        status: 'ACTIVE',
        created_at: new Date(),
      });
      expect(await stores.workflowVersions.countDocuments({ _id: insertedId })).toBe(1);
    });
  });

  describe('PostgreSQL', () => {
    let pool: Pool;
    beforeAll(() => {
      pool = createPgPool(pgUrl, 4);
    });
    afterAll(() => pool.end());

    it('answers again once PostgreSQL is back, with the idle clients of before discarded', async () => {
      // Four clients connected and idle in the pool when the server goes away.
      await Promise.all([1, 2, 3, 4].map(() => pool.query('SELECT pg_sleep(0.05)')));
      expect(pool.idleCount).toBe(4);

      await services('stop-ferretdb'); // FerretDB needs its backend; it is restarted after
      await services('stop-postgres');
      await expect(pool.query('SELECT 1')).rejects.toThrow();
      await services('start-postgres');
      const answered = await waitFor(
        'a query after the restart',
        async () => (await pool.query<{ n: number }>('SELECT 7 AS n').catch(() => ({ rows: [] }))).rows[0]?.n,
      );

      expect(answered).toBe(7);
      await services('start-ferretdb');
    });
  });

  async function restartFerretdb(): Promise<void> {
    await services('stop-ferretdb');
    await services('start-ferretdb');
  }
});

/** Ten writers in a loop, as a busy worker's activities; stop() ends them and returns their failures. */
function startWrites(stores: MongoStores) {
  const failures: { at: number; name: string }[] = [];
  let running = true;
  const writers = Array.from({ length: 10 }, async (_, writer) => {
    for (let i = 0; running; i++) {
      await stores.devices
        .updateOne({ device_uid: `load-${writer}` }, { $set: { ...deviceDoc(`load-${writer}`), i } }, { upsert: true })
        .catch((err: Error) => failures.push({ at: Date.now(), name: err.name }));
    }
  });
  return {
    stop: () => {
      running = false;
      void Promise.all(writers);
      return failures;
    },
  };
}

async function writeAndRead(stores: MongoStores, uid: string) {
  try {
    await stores.devices.updateOne({ device_uid: uid }, { $set: deviceDoc(uid) }, { upsert: true });
    return (await stores.devices.findOne({ device_uid: uid })) ?? undefined;
  } catch {
    return undefined;
  }
}

function deviceDoc(uid: string) {
  return {
    tenant_id: 'store-restart',
    device_uid: uid,
    is_activating_workflow: false,
    workflow_version_id: null,
    workflow: null,
    updated_at: new Date(),
  };
}

/** The MongoClient the stores act on now (their `client` forwards to it). */
function realClient(stores: MongoStores): MongoClient {
  return (stores.client as unknown as { topology: { client: MongoClient } }).topology.client;
}

type MonitorInternals = {
  s: { state: string };
  connection: { socket: { destroy(): void }; closed: boolean } | null;
  monitorId?: { toJSON(): { timeSinceLastCall: number } };
  requestCheck(): void;
};

/**
 * Wedges the client's monitor the way a store restart can (docs/reliability.md): a server's FIN
 * destroys the monitor's idle socket before its 'close' event marks the connection closed; a check
 * requested in that window (an operation failing on another connection asks for one) writes its
 * hello on the destroyed socket, a write that neither fails nor drains, so the check never ends and
 * the monitor stays "monitoring", skipping every heartbeat and every requested check.
 */
async function wedgeMonitor(client: MongoClient): Promise<void> {
  const servers = (client as unknown as { topology: { s: { servers: Map<string, { monitor: MonitorInternals }> } } }).topology.s.servers;
  const monitors = [...servers.values()].map((server) => server.monitor);
  // A check requested within 500 ms of the last one is put off: wait until one may run at once.
  await waitFor('an idle monitor connection', async () =>
    monitors.every((m) => m.s.state === 'idle' && m.connection !== null && m.monitorId!.toJSON().timeSinceLastCall > 600),
  );
  for (const monitor of monitors) {
    monitor.connection!.socket.destroy();
    monitor.requestCheck();
  }
  await waitFor('the monitor wedged', async () => monitors.every((m) => m.s.state === 'monitoring' && m.connection?.closed === true));
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      const server = createServer();
      return new Promise<typeof server>((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
    }),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
}
