// BatchProgressHub over a PostgreSQL double: however many streams watch a batch, its status is read once per
// interval; a watcher joining late gets the latest status at once; the poller stops when the batch finishes or
// nobody watches any more, and a failed read reaches every watcher.
import type { Pool } from 'pg';
import { Gauge, Registry } from 'prom-client';
import { BatchProgressHub, BatchStatusView } from '../../../src/batches/progressHub';
import { toBatchRecord } from '../../../src/batches/store';
import { loadConfig } from '../../../src/platform/config';

const INTERVAL_MS = 20;
const batchId = '0b0e7d2a-5a44-4a52-9a4e-3f1d2c3b4a59';

/** A batch table of one RUNNING batch whose pending rows the test sets; every statement is counted. */
function batchTable() {
  const table = { statements: 0, pending: 10, done: 0, status: 'RUNNING', failing: false };
  const row = () => ({
    id: batchId,
    tenant_id: 't-1',
    created_by: 'ops',
    status: table.status,
    ext_fields: { mode: 'assign', workflow_id: '0123456789abcdef01234567' },
    counters: {},
    is_success: null,
    created_at: new Date(0),
    started_at: new Date(0),
    finished_at: table.status === 'RUNNING' ? null : new Date(1000),
    idempotency_key: null,
  });
  const pool = {
    query: async (sql: string) => {
      table.statements += 1;
      if (table.failing) throw new Error('connection terminated');
      if (sql.includes('FROM t_batch_action_device')) {
        return {
          rows: [
            { status: 'PENDING', code: null, n: String(table.pending) },
            { status: 'SUCCEEDED', code: 'OK', n: String(table.done) },
          ],
        };
      }
      return { rows: [row()] };
    },
  } as unknown as Pool;
  return { table, pool, first: toBatchRecord(row()) };
}

function hubOver(pool: Pool) {
  const gauge = new Gauge({ name: 'pollers', help: 'pollers', registers: [new Registry()] });
  const hub = new BatchProgressHub({ pool, config: loadConfig({}), temporal: {} as never }, INTERVAL_MS, gauge);
  return { hub, pollers: async () => (await gauge.get()).values[0]?.value };
}

const until = async (what: string, check: () => boolean | Promise<boolean>) => {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('BatchProgressHub', () => {
  it('reads a batch once per interval for all its watchers, and stops when the batch finishes', async () => {
    const { table, pool, first } = batchTable();
    const { hub, pollers } = hubOver(pool);
    const seen: BatchStatusView[][] = Array.from({ length: 50 }, () => []);
    seen.forEach((statuses) => hub.watch(first, { onStatus: (s) => statuses.push(s), onFailure: () => undefined }));
    expect(await pollers()).toBe(1);
    await until('5 reads', () => seen[0]!.length >= 5);
    const reads = seen[0]!.length;
    // One count for the first read, then one batch read and one count per interval: never one per watcher.
    expect(table.statements).toBeLessThanOrEqual(2 * reads + 1);
    table.status = 'COMPLETED';
    table.pending = 0;
    table.done = 10;
    await until('the end', () => seen.every((statuses) => statuses.at(-1)?.status === 'COMPLETED'));
    await until('the poller to stop', async () => (await pollers()) === 0);
    const after = table.statements;
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 3));
    expect(table.statements).toBe(after);
  });

  it('gives a late watcher the latest status at once, and stops reading when nobody watches', async () => {
    const { table, pool, first } = batchTable();
    const { hub, pollers } = hubOver(pool);
    const early: BatchStatusView[] = [];
    const stopEarly = hub.watch(first, { onStatus: (s) => early.push(s), onFailure: () => undefined });
    await until('a first read', () => early.length >= 1);
    const late: BatchStatusView[] = [];
    const readsBefore = table.statements;
    const stopLate = hub.watch(first, { onStatus: (s) => late.push(s), onFailure: () => undefined });
    await until('the late watcher to be told', () => late.length >= 1);
    expect(late[0]!.progress).toEqual({ total: 10, done: 0, pending: 10 });
    expect(table.statements - readsBefore).toBeLessThanOrEqual(2);
    stopEarly();
    stopLate();
    await until('the poller to stop', async () => (await pollers()) === 0);
    const after = table.statements;
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 3));
    expect(table.statements).toBe(after);
  });

  it('tells every watcher when a read fails, and stops', async () => {
    const { table, pool, first } = batchTable();
    const { hub, pollers } = hubOver(pool);
    const failures: unknown[] = [];
    const statuses: BatchStatusView[] = [];
    for (let i = 0; i < 3; i++) hub.watch(first, { onStatus: (s) => statuses.push(s), onFailure: (err) => failures.push(err) });
    await until('a first read', () => statuses.length >= 3);
    table.failing = true;
    await until('every watcher told', () => failures.length === 3);
    expect(failures.every((err) => (err as Error).message === 'connection terminated')).toBe(true);
    expect(await pollers()).toBe(0);
  });
});
