// A batch's live status: Server-Sent Events from GET /v1/batches/:id/events, read with fetch() so the
// key travels in the X-API-Key header (EventSource cannot send headers, and a key in a URL ends up in
// logs). When the stream cannot be had or ends without its `end` event, polling takes over.
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { isFinishedStatus } from '../batchOutcome';
import { useSession } from '../session';
import { batchPath, batchStatusKey } from './batches';
import { ApiProblem, apiJson, problemOf, unreachable } from './client';
import { createEventStreamParser } from './eventStream';
import type { BatchStatus } from './types';

const POLL_MS = 2_000;
/** Devices/s is measured over this recent window, so a slowdown shows within seconds. */
const RATE_WINDOW_MS = 15_000;

type Transport = 'connecting' | 'live' | 'polling' | 'finished';

export interface BatchProgress {
  status: BatchStatus | null;
  transport: Transport;
  problem: ApiProblem | null;
  /** Devices finished per second, recently; null until two samples are apart. */
  devicesPerSecond: number | null;
  /** Starts following again, e.g. after a retry started a new run. */
  restart(): void;
}

export function isFinished(status: BatchStatus | null): boolean {
  return status !== null && isFinishedStatus(status.status);
}

/** Follows a batch; each status it reads is also the cached one (the batches list shows it without asking). */
export function useBatchProgress(batchId: string): BatchProgress {
  const { key } = useSession();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<BatchStatus | null>(() => queryClient.getQueryData<BatchStatus>(batchStatusKey(batchId)) ?? null);
  const [transport, setTransport] = useState<Transport>('connecting');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [generation, setGeneration] = useState(0);
  const samples = useRef<Sample[]>([]);
  const [devicesPerSecond, setDevicesPerSecond] = useState<number | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    samples.current = [];
    const accept = (next: BatchStatus) => {
      samples.current = recentSamples(samples.current, next);
      const rate = isFinished(next) ? next.timings.devicesPerSecond : rateOf(samples.current);
      if (rate !== undefined) setDevicesPerSecond(rate);
      setStatus(next);
      setProblem(null);
      queryClient.setQueryData(batchStatusKey(batchId), next);
    };

    async function follow() {
      setTransport('connecting');
      const ended = await stream(key, batchId, abort.signal, accept, () => setTransport('live')).catch((err: unknown) => {
        if (err instanceof ApiProblem && err.status >= 400 && err.status < 500 && err.status !== 429) throw err;
        return false;
      });
      if (ended) {
        setTransport('finished');
        return;
      }
      setTransport('polling');
      if (await poll(key, batchId, abort.signal, accept, setProblem)) setTransport('finished');
    }

    follow().catch((err: unknown) => {
      if (!abort.signal.aborted) setProblem(err instanceof ApiProblem ? err : unreachable(err));
    });
    return () => abort.abort();
  }, [key, batchId, generation, queryClient]);

  return { status, transport, problem, devicesPerSecond, restart: () => setGeneration((g) => g + 1) };
}

interface Sample {
  at: number;
  done: number;
}

/** The samples within the rate window, and one for `next`. */
function recentSamples(samples: Sample[], next: BatchStatus): Sample[] {
  const now = Date.now();
  return [...samples.filter((s) => now - s.at <= RATE_WINDOW_MS), { at: now, done: next.progress.done }];
}

/** Devices/s over the samples; undefined until they span a second. */
function rateOf(samples: Sample[]): number | undefined {
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const seconds = (last.at - first.at) / 1000;
  return seconds >= 1 ? (last.done - first.done) / seconds : undefined;
}

/** Reads the status every POLL_MS; resolves true once the batch finished, false when aborted. */
async function poll(
  key: string,
  batchId: string,
  signal: AbortSignal,
  onStatus: (status: BatchStatus) => void,
  onProblem: (problem: ApiProblem) => void,
): Promise<boolean> {
  while (!signal.aborted) {
    try {
      const next = await apiJson<BatchStatus>(key, batchPath(batchId), { signal });
      onStatus(next);
      if (isFinished(next)) return true;
    } catch (err) {
      if (signal.aborted) return false;
      onProblem(err instanceof ApiProblem ? err : unreachable(err));
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return false;
}

/** Reads the event stream; resolves true once the `end` event came, false if the stream stopped before. */
async function stream(
  key: string,
  batchId: string,
  signal: AbortSignal,
  onStatus: (status: BatchStatus) => void,
  onOpen: () => void,
): Promise<boolean> {
  let res: Response;
  try {
    res = await fetch(`${batchPath(batchId)}/events`, {
      headers: { 'X-API-Key': key, Accept: 'text/event-stream' },
      cache: 'no-store',
      signal,
    });
  } catch {
    return false;
  }
  if (!res.ok) throw await problemOf(res);
  if (!res.body) return false;
  onOpen();
  const parser = createEventStreamParser();
  const decoder = new TextDecoder();
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return false;
      for (const event of parser.feed(decoder.decode(value, { stream: true }))) {
        if (event.event !== 'progress' && event.event !== 'end') continue;
        onStatus(JSON.parse(event.data) as BatchStatus);
        if (event.event === 'end') return true;
      }
    }
  } catch {
    return false;
  } finally {
    reader.cancel().catch(() => undefined);
  }
}
