// The webhook delivery workflow with mocked activities on Temporal's time-skipping test server: a receiver that
// never takes the head event is tried from the first delay doubling to the cap until the give-up time, then the
// event is given up on and the next round goes on; a deleted subscription ends the workflow.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { DeliveryRound } from '../../src/webhooks/deliveryActivities';
import { WebhookDeliveryInput } from '../../src/webhooks/contract';
import { webhookDelivery } from '../../src/webhooks/webhookDeliveryWorkflow';
import { startTimeSkipping } from './tempLockDoubles';
import { testWorkflowCode } from '../workflowBundle';

jest.setTimeout(120_000);

const HOUR_MS = 3_600_000;

describe('webhookDelivery workflow (mocked activities, time skipping)', () => {
  let env: TestWorkflowEnvironment;
  let code: string;

  beforeAll(async () => {
    [env, code] = await Promise.all([startTimeSkipping(), testWorkflowCode()]);
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('retries the head event from 5 s doubling to 1 h for 3 days, gives it up, goes on, and ends with its subscription', async () => {
    /** Server times (ms) of the head event's attempts; the receiver never takes it. */
    const attempts: number[] = [];
    const givenUp: string[] = [];
    let gone = false;
    const activities = {
      async deliverPendingWebhookEvents(): Promise<DeliveryRound> {
        if (gone) return 'SUBSCRIPTION_GONE';
        attempts.push(Context.current().info.currentAttemptScheduledTimestampMs);
        throw ApplicationFailure.retryable('event msg_1 not taken: the receiver answered 503', 'WEBHOOK_NOT_TAKEN');
      },
      async giveUpOnOldestWebhookEvent({ subscriptionId }: { subscriptionId: string }): Promise<void> {
        givenUp.push(subscriptionId);
        gone = true;
      },
    };
    const input: WebhookDeliveryInput = {
      subscriptionId: 'wh_test',
      retry: { firstDelayMs: 5_000, maxDelayMs: HOUR_MS, giveUpAfterMs: 72 * HOUR_MS },
      requestTimeoutMs: 10_000,
      sweepMs: 300_000,
    };
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'webhooks', workflowBundle: { code }, activities });
    await worker.runUntil(
      env.client.workflow.execute(webhookDelivery, { taskQueue: 'webhooks', workflowId: 'webhook-delivery/wh_test', args: [input] }),
    );

    // The test server stamps an attempt with the time its retry was decided (the previous attempt's): the backoffs
    // show one attempt late, after a 0.
    const gaps = attempts.slice(1).map((at, i) => Math.round((at - attempts[i]!) / 1000));
    expect(gaps.slice(0, 12)).toEqual([0, 5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600]);
    expect(new Set(gaps.slice(11))).toEqual(new Set([3600]));
    const triedFor = attempts[attempts.length - 1]! - attempts[0]!;
    // Tried for the 3 days: no attempt would start before the give-up time once the last (stamped one late) was made.
    expect(triedFor).toBeGreaterThan(70 * HOUR_MS);
    expect(triedFor).toBeLessThanOrEqual(72 * HOUR_MS);
    expect(givenUp).toEqual(['wh_test']);
  });
});
