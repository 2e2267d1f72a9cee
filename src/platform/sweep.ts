// A periodic clean-up every API process runs (expired previews, old webhook records): each round does what it finds,
// guarded in its store so that several processes may sweep at once; a failed round is logged and the next one tries
// again. The timer never keeps a process alive.
import type { Logger } from './logger';

export interface Sweep {
  /** Does one round; returns how many things it removed. */
  round: () => Promise<number>;
  intervalMs: number;
  /** Logged (at info, with the count) after a round that removed something. */
  done: string;
  /** Logged (at warn, with the error) after a round that failed. */
  failed: string;
}

export function startSweep(log: Logger, sweep: Sweep): { stop(): void } {
  const timer = setInterval(() => {
    sweep.round().then(
      (removed) => {
        if (removed > 0) log.info({ removed }, sweep.done);
      },
      (err) => log.warn({ err }, sweep.failed),
    );
  }, sweep.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
