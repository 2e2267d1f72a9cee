// The task queues of the device-control gateway's commands, named after the worker's own queue (TASK_QUEUE).
// LOCK commands share one rate-limited queue (src/platform/worker/gatewayWorkers.ts); UNLOCKs have a queue and slots of
// their own, so an unlock that is due never waits behind a burst of new locks. Pure: the workflow derives them.
export interface GatewayTaskQueues {
  /** LOCK commands: at most GATEWAY_COMMANDS_PER_SECOND, enforced by the Temporal server across all workers. */
  locks: string;
  /** UNLOCK commands, due or after a cancel: their own slots, and their own (optional) rate. */
  unlocks: string;
}

export function gatewayTaskQueues(taskQueue: string): GatewayTaskQueues {
  return { locks: `${taskQueue}-gateway-locks`, unlocks: `${taskQueue}-gateway-unlocks` };
}
