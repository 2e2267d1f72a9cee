// Builds the device-orchestrator worker: which task queue, which workflows, which activities (main.ts gives it
// createActivities(deps): the product's, built from their dependencies).
import { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: NonNullable<WorkerOptions['activities']>;
  /** A pre-built bundle (tests build one once); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** The module to bundle when there is no pre-built bundle; the product's workflows by default. */
  workflowsPath?: string;
  tuning?: Pick<
    WorkerOptions,
    | 'maxConcurrentActivityTaskExecutions'
    | 'maxConcurrentLocalActivityExecutions'
    | 'maxConcurrentWorkflowTaskExecutions'
    | 'maxCachedWorkflows'
    | 'stickyQueueScheduleToStartTimeout'
  >;
  /** After shutdown(), how long in-flight activities may run before they are cancelled (SDK default 0: at once). */
  shutdownGraceMs?: number;
}

export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: options.workflowsPath ?? require.resolve('./workflows') }),
    activities: options.activities,
    ...(options.shutdownGraceMs !== undefined ? { shutdownGraceTime: options.shutdownGraceMs } : {}),
    ...options.tuning,
  });
}
