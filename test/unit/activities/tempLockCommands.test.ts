// The gateway command activities: the unlock leaves at its due time, never before (the lock's timer fires early
// by the unlock lead); a 4xx is a permanent failure; a cancel aborts the request; every attempt is counted by
// result (do_gateway_commands). The gateway is the simulator.
import type { MetricMeter, MetricTags } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { TempLockActivityDeps, createTempLockActivities } from '../../../src/tempLocks/activities';
import { GatewayCommand } from '../../../src/devices/gateway/deviceControlGateway';
import { RecordedCommand, SimulatedDeviceControlGateway } from '../../doubles/simulatedGateway';
import { keepingLogger } from '../../sdkRuntime';

function activitiesWithGateway() {
  const gateway = new SimulatedDeviceControlGateway();
  const sent: RecordedCommand[] = [];
  gateway.onCommand((command) => sent.push(command));
  // Only the gateway is used by the command activities; the stores are never touched here.
  const activities = createTempLockActivities({ gateway } as Pick<TempLockActivityDeps, 'gateway'> as TempLockActivityDeps);
  return { activities, gateway, sent };
}

/** The activities' log lines ("Activity failed" for the refusals below), kept here instead of printed. */
let kept = keepingLogger();
beforeEach(() => {
  kept = keepingLogger();
});

/** The SDK's mock activity environment, logging to the test's keepingLogger. */
const mockEnv = (opts: { metricMeter?: MetricMeter } = {}) => new MockActivityEnvironment(undefined, { ...opts, logger: kept.logger });

/** A metric meter that keeps what the activities count: `<name> <kind>/<result>` per add. */
function recordingMeter(): { meter: MetricMeter; counted: string[] } {
  const counted: string[] = [];
  const meter = {
    createCounter: (name: string) => ({
      add: (value: number, tags: MetricTags = {}) => counted.push(`${name} ${tags.kind}/${tags.result} ${value}`),
    }),
  } as unknown as MetricMeter;
  return { meter, counted };
}

const command = (dueAt: number | null): GatewayCommand => ({
  tenantId: 't1',
  serviceTypeId: 1,
  deviceUid: '490154203237518',
  actionId: 'a1',
  dueAt,
});

describe('sendUnlockCommand', () => {
  it('waits for a due time still ahead, then sends', async () => {
    const { activities, sent } = activitiesWithGateway();
    const dueAt = Date.now() + 300;
    const acceptedAt = await mockEnv().run(activities.sendUnlockCommand, command(dueAt));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.sentAt).toBeGreaterThanOrEqual(dueAt);
    expect(acceptedAt).toBe(sent[0]!.sentAt);
  });

  it('sends at once when the due time has passed or there is none (a cancel)', async () => {
    const { activities, sent } = activitiesWithGateway();
    const before = Date.now();
    const env = mockEnv();
    await env.run(activities.sendUnlockCommand, command(before - 5_000));
    await env.run(activities.sendUnlockCommand, command(null));
    expect(sent.map((c) => c.kind)).toEqual(['UNLOCK', 'UNLOCK']);
    // No wait for a due time in the past (a wait of its distance, 5 s, would fail this).
    expect(Math.max(...sent.map((c) => c.sentAt))).toBeLessThan(before + 5_000);
  });
});

describe('gateway commands', () => {
  it('a permanent refusal (4xx) is a non-retryable failure carrying the gateway reason', async () => {
    const { activities, gateway } = activitiesWithGateway();
    gateway.refuseDevice('490154203237518', 404, 'unknown device');
    await expect(mockEnv().run(activities.sendLockCommand, command(null))).rejects.toMatchObject({
      type: 'GATEWAY_REFUSED',
      nonRetryable: true,
      message: expect.stringContaining('404 unknown device'),
    });
    expect(kept.lines.filter((l) => l.level === 'WARN').map((l) => l.message)).toEqual(['Activity failed']);
  });

  it('a cancel aborts the request in flight: the command is abandoned, not sent later', async () => {
    const { activities, gateway, sent } = activitiesWithGateway();
    gateway.answerAfter(5_000);
    const { meter, counted } = recordingMeter();
    const env = mockEnv({ metricMeter: meter });
    const running = env.run(activities.sendLockCommand, command(null));
    setTimeout(() => env.cancel(), 100);
    await expect(running).rejects.toMatchObject({ name: 'CancelledFailure' });
    expect(gateway.abandoned.map((c) => c.kind)).toEqual(['LOCK']);
    expect(sent).toEqual([]);
    expect(counted).toEqual(['do_gateway_commands LOCK/cancelled 1']);
  });

  it('counts each attempt by kind and result (do_gateway_commands)', async () => {
    const { activities, gateway } = activitiesWithGateway();
    const { meter, counted } = recordingMeter();
    const env = mockEnv({ metricMeter: meter });
    await env.run(activities.sendLockCommand, command(null));
    await env.run(activities.sendUnlockCommand, command(null));
    gateway.failUntil(Date.now() + 60_000);
    await expect(env.run(activities.sendUnlockCommand, command(null))).rejects.toThrow();
    gateway.recover();
    gateway.refuseDevice('490154203237518', 410, 'gone');
    await expect(env.run(activities.sendLockCommand, command(null))).rejects.toMatchObject({ type: 'GATEWAY_REFUSED' });
    expect(counted).toEqual([
      'do_gateway_commands LOCK/accepted 1',
      'do_gateway_commands UNLOCK/accepted 1',
      'do_gateway_commands UNLOCK/failed 1',
      'do_gateway_commands LOCK/refused 1',
    ]);
  });
});
