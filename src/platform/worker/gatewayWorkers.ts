// The gateway's own workers, in the worker process beside the main one: activity-only workers polling the
// gateway commands' task queues (src/devices/gateway/taskQueues.ts). The LOCK queue's rate is enforced by the
// Temporal server across every worker polling it (maxTaskQueueActivitiesPerSecond, retries included) and each
// worker bounds the requests it has in flight; UNLOCKs have slots of their own (an unlock waits out its lead in
// one), so a burst of new locks never delays an unlock that is due. The queues differ from the workflow's, so no
// command is ever started eagerly by the workflow's worker, past the limit.
import { NativeConnection, Worker } from '@temporalio/worker';
import { ActivityDeps } from './activities';
import { createTempLockActivities } from '../../tempLocks/activities';
import { AppConfig } from '../config';
import { gatewayTaskQueues } from '../../devices/gateway/taskQueues';

export interface GatewayWorkersOptions {
  connection: NativeConnection;
  namespace: string;
  /** The main worker's task queue: the gateway's queues are named after it. */
  taskQueue: string;
  deps: ActivityDeps;
  limits: Pick<AppConfig['gateway'], 'commandsPerSecond' | 'maxConcurrentCommands' | 'unlocksPerSecond' | 'maxConcurrentUnlocks'>;
  /** After shutdown(), how long in-flight commands may run before they are cancelled. */
  shutdownGraceMs?: number;
}

export async function createGatewayWorkers(options: GatewayWorkersOptions): Promise<Worker[]> {
  const { connection, namespace, limits } = options;
  const { sendLockCommand, sendUnlockCommand } = createTempLockActivities(options.deps);
  const queues = gatewayTaskQueues(options.taskQueue);
  const common = {
    connection,
    namespace,
    ...(options.shutdownGraceMs !== undefined ? { shutdownGraceTime: options.shutdownGraceMs } : {}),
  };
  return Promise.all([
    Worker.create({
      ...common,
      taskQueue: queues.locks,
      activities: { sendLockCommand },
      maxTaskQueueActivitiesPerSecond: limits.commandsPerSecond,
      maxConcurrentActivityTaskExecutions: limits.maxConcurrentCommands,
    }),
    Worker.create({
      ...common,
      taskQueue: queues.unlocks,
      activities: { sendUnlockCommand },
      ...(limits.unlocksPerSecond > 0 ? { maxTaskQueueActivitiesPerSecond: limits.unlocksPerSecond } : {}),
      maxConcurrentActivityTaskExecutions: limits.maxConcurrentUnlocks,
    }),
  ]);
}

/**
 * Runs workers together until all have stopped: when one stops (shut down or failed), the others are shut down
 * too, and the first failure is rethrown once all have stopped.
 */
export async function runTogether(workers: Worker[]): Promise<void> {
  const results = await Promise.allSettled(workers.map((worker) => worker.run().finally(() => shutdownAll(workers))));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Shuts down those of the workers still running (shutting one down twice throws). */
export function shutdownAll(workers: Worker[]): void {
  for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
}
