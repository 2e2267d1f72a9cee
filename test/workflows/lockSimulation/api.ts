// The API as production runs it (src/tempLocks/checkIn.ts, cancelLock.ts, assignLock.ts), over the simulated
// device's world: a check-in answered from the stored row with answerCheckIn and signalled only when
// checkInActsOnLock says so; DELETE as a cancel signal by workflow id; an assign that overrides the running lock
// (cancel it as an override, wait for its end, start).
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { answerCheckIn, checkInActsOnLock, tempLockWorkflowId, type DirectiveAnswer } from '../../../src/tempLocks/lock';
import { tempLock } from '../../../src/tempLocks/tempLockWorkflow';
import { cancelSignal, checkInSignal, type CheckIn, type TempLockInput } from '../../../src/tempLocks/contract';
import type { DeviceWorld } from './world';

export interface CheckInSeen extends DirectiveAnswer {
  /** Server time of the check-in (epoch ms). */
  at: number;
  /** The signal the API sends, when it was asked to hold it back (a late signal). */
  heldBack: CheckIn | null;
}

const OPERATOR = 'operator-sim';

export class SimulatedApi {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  workflowIdOf(world: DeviceWorld): string {
    return tempLockWorkflowId(world.tenantId, world.deviceUid);
  }

  /** POST /devices/:uid/check-in; `holdBack`: the signal is returned to be delivered later instead of sent now. */
  async checkIn(world: DeviceWorld, requestId: string, holdBack = false): Promise<CheckInSeen> {
    const checkedInAt = await world.serverNow();
    const row = world.row;
    const lockStartsAt = row?.status === 'ACTIVATING' && row.workingHours ? world.nextWorkingInstant(checkedInAt) : checkedInAt;
    const lock = row && { status: row.status, durationMs: row.durationMs, lockEndsAt: row.lockEndsAt };
    const answer = answerCheckIn(lock, { checkedInAt, lockStartsAt });
    world.log.push({
      type: 'answer',
      at: checkedInAt - world.startedAt,
      actionId: row?.actionId ?? null,
      status: row?.status ?? null,
      ...answer,
    });
    if (!row || !lock || !checkInActsOnLock(lock, answer)) return { ...answer, at: checkedInAt, heldBack: null };
    const checkIn: CheckIn = {
      checkInId: requestId,
      checkedInAt,
      lockStartsAt,
      answer: { actionId: row.actionId, directive: answer.directive },
    };
    if (holdBack) return { ...answer, at: checkedInAt, heldBack: checkIn };
    await this.deliver(world, checkIn);
    return { ...answer, at: checkedInAt, heldBack: null };
  }

  async deliver(world: DeviceWorld, checkIn: CheckIn): Promise<void> {
    await world.record({ type: 'signalled', actionId: checkIn.answer.actionId, directive: checkIn.answer.directive });
    await this.client.workflow.getHandle(this.workflowIdOf(world)).signal(checkInSignal, checkIn).catch(ignoreNotFound);
  }

  /** DELETE /devices/:uid/temp-lock: the running lock (404 without one) is asked to cancel. */
  async cancel(world: DeviceWorld): Promise<void> {
    const running = await this.runningLock(world);
    const reason = `cancelled by ${OPERATOR}`;
    await world.record({
      type: 'cancel',
      actionId: running?.actionId ?? null,
      reason: running?.actionId ? reason : '404: no temp lock is running',
    });
    if (!running?.actionId) return;
    await this.client.workflow
      .getHandle(this.workflowIdOf(world))
      .signal(cancelSignal, { reason, requestedBy: OPERATOR, actionId: running.actionId })
      .catch(ignoreNotFound);
  }

  /**
   * One round of PUT /devices/:uid/temp-lock (startOverridingCurrentLock): starts lock `lock` as `actionId`, or,
   * while another lock runs, asks it to cancel and returns false (the caller waits for its end and tries again).
   */
  async startOverriding(world: DeviceWorld, lock: number, actionId: string): Promise<boolean> {
    const plan = world.schedule.locks[lock]!;
    const workflowId = this.workflowIdOf(world);
    const input: TempLockInput = {
      actionId,
      tenantId: world.tenantId,
      deviceUid: world.deviceUid,
      deviceId: world.deviceId,
      durationMinutes: Math.max(1, Math.round(plan.durationMs / 60_000)),
      durationMs: plan.durationMs,
      workingHours: plan.workingHours,
      notification: { title: `simulated lock ${lock}` },
      requestedBy: OPERATOR,
      deactivationWaitMs: plan.deactivationWaitMs,
      unlockLeadMs: plan.unlockLeadMs,
      serviceTypeId: 1,
      gatewayTimeoutMs: plan.gatewayTimeoutMs,
      ...(plan.checkInsPerRun !== undefined ? { checkInsPerRun: plan.checkInsPerRun } : {}),
    };
    if (world.locks.some((l) => l.actionId === actionId)) return true;
    try {
      const handle = await this.client.workflow.start(tempLock, {
        taskQueue: this.taskQueue,
        workflowId,
        args: [input],
        memo: { actionId },
      });
      world.locks.push({ lock, actionId, workflowId, firstRunId: handle.firstExecutionRunId });
      await world.record({ type: 'assigned', actionId, lock, inventory: world.inventory.state });
      return true;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    const running = await this.runningLock(world);
    if (running?.actionId) {
      const reason = `overridden by action ${actionId}`;
      await world.record({ type: 'cancel', actionId: running.actionId, reason });
      await this.client.workflow
        .getHandle(workflowId)
        .signal(cancelSignal, { reason, requestedBy: OPERATOR, actionId: running.actionId, override: true })
        .catch(ignoreNotFound);
    }
    return false;
  }

  /** The device's running lock (describe, as the API's runningLockOf), or null. */
  async runningLock(world: DeviceWorld): Promise<{ actionId: string | null } | null> {
    try {
      const description = await this.client.workflow.getHandle(this.workflowIdOf(world)).describe();
      if (description.status.name !== 'RUNNING') return null;
      return { actionId: (description.memo as { actionId?: string } | undefined)?.actionId ?? null };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }
}

function ignoreNotFound(err: unknown): void {
  if (err instanceof WorkflowNotFoundError || /already completed|not found/i.test(String((err as Error)?.message))) return;
  throw err;
}
