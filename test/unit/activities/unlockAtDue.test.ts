// The unlock command leaves at its due time, never before: a lock's timer fires early by the unlock lead
// (TempLockInput.unlockLeadMs) and the activity waits out the rest. The simulator gateway runs in memory.
import { TempLockActivityDeps, createTempLockActivities } from '../../../src/activities/tempLock';
import { GatewayCommand } from '../../../src/gateway/deviceControlGateway';
import { RecordedCommand, SimulatedDeviceControlGateway } from '../../../src/gateway/simulatedGateway';

function activitiesWithGateway() {
  const gateway = new SimulatedDeviceControlGateway();
  const sent: RecordedCommand[] = [];
  gateway.onCommand((command) => sent.push(command));
  // Only the gateway is used by the command activities; the stores are never touched here.
  const activities = createTempLockActivities({ gateway } as Pick<TempLockActivityDeps, 'gateway'> as TempLockActivityDeps);
  return { activities, sent };
}

const command = (dueAt: number | null): GatewayCommand => ({ tenantId: 't1', deviceUid: '490154203237518', actionId: 'a1', dueAt });

describe('sendUnlockCommand', () => {
  it('waits for a due time still ahead, then sends', async () => {
    const { activities, sent } = activitiesWithGateway();
    const dueAt = Date.now() + 300;
    const acceptedAt = await activities.sendUnlockCommand(command(dueAt));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.sentAt).toBeGreaterThanOrEqual(dueAt);
    expect(acceptedAt).toBe(sent[0]!.sentAt);
  });

  it('sends at once when the due time has passed or there is none (a cancel)', async () => {
    const { activities, sent } = activitiesWithGateway();
    const before = Date.now();
    await activities.sendUnlockCommand(command(before - 5_000));
    await activities.sendUnlockCommand(command(null));
    expect(sent.map((c) => c.kind)).toEqual(['UNLOCK', 'UNLOCK']);
    // No wait for a due time in the past (a wait of its distance, 5 s, would fail this).
    expect(Math.max(...sent.map((c) => c.sentAt))).toBeLessThan(before + 5_000);
  });
});
