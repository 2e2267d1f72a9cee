// The state machine's transactional apply against real PostgreSQL: row lock, history row, ext
// fields, idempotency, and two concurrent actions on one device (exactly one wins).
import { Pool } from 'pg';
import { applyDeviceAction, insertDevices, upsertTenant, imeiWithCheckDigit } from '../../dev/inventorySeed';
import { createPgPool } from '../../src/platform/db/postgres';
import { DeviceState } from '../../src/devices/states';

describe('applyDeviceAction on PostgreSQL', () => {
  let pool: Pool;
  const tenantId = `lifecycle-${Date.now().toString(36)}`;
  let serial = 0;

  beforeAll(async () => {
    pool = createPgPool(process.env.DATABASE_URL!, 10);
    await upsertTenant(pool, tenantId, 'Lifecycle tenant');
  });
  afterAll(async () => pool.end());

  async function newDevice(stateId: number, previousStateId: number | null = null): Promise<number> {
    const uid = imeiWithCheckDigit(`3510000${String(++serial).padStart(7, '0')}`);
    await insertDevices(pool, tenantId, [{ uid, stateId, previousStateId }]);
    const { rows } = await pool.query('SELECT id FROM t_device WHERE tenant_id = $1 AND uid = $2', [tenantId, uid]);
    return Number(rows[0].id);
  }

  async function device(id: number) {
    const { rows } = await pool.query('SELECT state_id, previous_state_id, ext_fields FROM t_device WHERE id = $1', [id]);
    return rows[0];
  }

  async function historyOf(id: number) {
    const { rows } = await pool.query(
      'SELECT milestone_type, from_state_id, to_state_id, source FROM t_device_history WHERE device_id = $1 ORDER BY id',
      [id],
    );
    return rows;
  }

  it('writes the new state and a history row in one transaction', async () => {
    const id = await newDevice(DeviceState.IDLE);
    const result = await applyDeviceAction(pool, { deviceId: id, action: 'REGISTER', source: 'API' });
    expect(result).toMatchObject({ ok: true, fromStateId: 1, toStateId: 2, alreadyApplied: false });
    expect(await device(id)).toMatchObject({ state_id: 2, previous_state_id: null });
    expect(await historyOf(id)).toEqual([{ milestone_type: 'REGISTER', from_state_id: 1, to_state_id: 2, source: 'API' }]);
  });

  it('LOCK then UNLOCK resumes the previous state and sets then removes ext fields', async () => {
    const id = await newDevice(DeviceState.ACTIVE);
    await applyDeviceAction(pool, {
      deviceId: id,
      action: 'LOCK',
      source: 'TEMP_LOCK',
      extFieldsSet: { lock_duration: 15, first_temp_lock_checkin_at: '2026-11-22T10:00:00Z' },
    });
    expect(await device(id)).toMatchObject({
      state_id: DeviceState.LOCKED,
      previous_state_id: DeviceState.ACTIVE,
      ext_fields: { lock_duration: 15, first_temp_lock_checkin_at: '2026-11-22T10:00:00Z' },
    });
    await applyDeviceAction(pool, {
      deviceId: id,
      action: 'UNLOCK',
      source: 'TEMP_LOCK',
      extFieldsRemove: ['lock_duration', 'first_temp_lock_checkin_at'],
    });
    expect(await device(id)).toMatchObject({ state_id: DeviceState.ACTIVE, previous_state_id: null, ext_fields: {} });
  });

  it('refuses an invalid action without writing anything', async () => {
    const id = await newDevice(DeviceState.RELEASED);
    const result = await applyDeviceAction(pool, { deviceId: id, action: 'ACTIVATE', source: 'API' });
    expect(result).toEqual({
      ok: false,
      code: 'INVALID_TRANSITION',
      message: 'ACTIVATE is not allowed from RELEASED; allowed actions: none',
      stateId: DeviceState.RELEASED,
    });
    expect(await historyOf(id)).toEqual([]);
  });

  it('a retried call with the same idempotency key is a no-op that returns the first outcome', async () => {
    const id = await newDevice(DeviceState.IDLE);
    const first = await applyDeviceAction(pool, { deviceId: id, action: 'REGISTER', source: 'SYSTEM', idempotencyKey: `k-${id}` });
    const again = await applyDeviceAction(pool, { deviceId: id, action: 'REGISTER', source: 'SYSTEM', idempotencyKey: `k-${id}` });
    expect(first).toMatchObject({ ok: true, alreadyApplied: false });
    expect(again).toMatchObject({ ok: true, alreadyApplied: true, fromStateId: 1, toStateId: 2 });
    expect(await historyOf(id)).toHaveLength(1);
  });

  it('two concurrent actions on one device: exactly one wins', async () => {
    const id = await newDevice(DeviceState.IDLE);
    const results = await Promise.all([
      applyDeviceAction(pool, { deviceId: id, action: 'REGISTER', source: 'API' }),
      applyDeviceAction(pool, { deviceId: id, action: 'ENROLL', source: 'API' }),
      applyDeviceAction(pool, { deviceId: id, action: 'REGISTER', source: 'BATCH' }),
    ]);
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.code === 'INVALID_TRANSITION')).toBe(true);
    expect(await historyOf(id)).toHaveLength(1);
    const finalState = (await device(id)).state_id;
    expect(winners[0]).toMatchObject({ toStateId: finalState });
  });

  it('reports a device that does not exist', async () => {
    expect(await applyDeviceAction(pool, { deviceId: 987654321, action: 'REGISTER', source: 'API' })).toMatchObject({
      ok: false,
      code: 'DEVICE_NOT_FOUND',
    });
  });
});
