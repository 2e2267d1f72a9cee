// One poller per batch for all the live-progress streams watching it: however many streams a batch has open on this
// API process, its status is read once per interval and handed to each of them. The poller stops once no stream
// watches the batch any more, or once the batch has finished.
import { batchStatus, BatchRunDeps } from './runs';
import { BatchRecord, findBatch } from './store';
import { isUnfinishedBatchStatus } from './modes';
import type { Gauge } from 'prom-client';
import { ProblemError } from '../platform/http/problem';

export type BatchStatusView = Awaited<ReturnType<typeof batchStatus>>;

export interface ProgressWatcher {
  /** Every status read while the watcher is registered (the latest one at once when it joins a running poller). */
  onStatus(status: BatchStatusView): void;
  /** The read failed; the poller has stopped, and the watcher is dropped. */
  onFailure(err: unknown): void;
}

interface BatchPoller {
  watchers: Set<ProgressWatcher>;
  latest: BatchStatusView | null;
}

/** A batch whose status is no longer CREATED or a started one (RUNNING, PAUSED, ...) has finished. */
export function isFinishedBatchStatus(status: string): boolean {
  return !isUnfinishedBatchStatus(status);
}

export class BatchProgressHub {
  private readonly pollers = new Map<string, BatchPoller>();

  constructor(
    private readonly deps: BatchRunDeps,
    private readonly intervalMs: number,
    private readonly pollersGauge: Gauge,
  ) {}

  /** Watches `batch` (already checked to be the caller's); returns the function that stops watching. */
  watch(batch: BatchRecord, watcher: ProgressWatcher): () => void {
    const running = this.pollers.get(batch.id);
    const poller: BatchPoller = running ?? { watchers: new Set(), latest: null };
    poller.watchers.add(watcher);
    if (!running) {
      this.pollers.set(batch.id, poller);
      this.pollersGauge.set(this.pollers.size);
      void this.poll(batch, poller);
    } else if (poller.latest) {
      const latest = poller.latest;
      queueMicrotask(() => {
        if (poller.watchers.has(watcher)) watcher.onStatus(latest);
      });
    }
    return () => poller.watchers.delete(watcher);
  }

  private async poll(first: BatchRecord, poller: BatchPoller): Promise<void> {
    let batch = first;
    try {
      while (poller.watchers.size > 0) {
        const status = await batchStatus(this.deps, batch);
        poller.latest = status;
        for (const watcher of [...poller.watchers]) watcher.onStatus(status);
        if (isFinishedBatchStatus(status.status)) break;
        await new Promise((resolve) => setTimeout(resolve, this.intervalMs));
        if (poller.watchers.size === 0) break;
        const reread = await findBatch(this.deps.pool, batch.id, [batch.tenantId]);
        if (!reread) throw new ProblemError(404, 'NOT_FOUND', `batch ${first.id} no longer exists`);
        batch = reread;
      }
    } catch (err) {
      for (const watcher of [...poller.watchers]) watcher.onFailure(err);
    }
    this.pollers.delete(first.id);
    this.pollersGauge.set(this.pollers.size);
  }
}
