// A batch's live status: Server-Sent Events from GET /v1/batches/:id/events, read with fetch() so the
// key travels in the X-API-Key header (EventSource cannot send headers, and a key in a URL ends up in
// logs). When the stream cannot be had or ends without its `end` event, polling takes over.
import { useEffect, useRef, useState } from 'react';
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
  return status?.status === 'COMPLETED' || status?.status === 'CANCELLED';
}

export function useBatchProgress(key: string, batchId: string): BatchProgress {
  const [status, setStatus] = useState<BatchStatus | null>(null);
  const [transport, setTransport] = useState<Transport>('connecting');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [generation, setGeneration] = useState(0);
  const samples = useRef<{ at: number; done: number }[]>([]);
  const [devicesPerSecond, setDevicesPerSecond] = useState<number | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    samples.current = [];
    const accept = (next: BatchStatus) => {
      const now = Date.now();
      const kept = samples.current.filter((s) => now - s.at <= RATE_WINDOW_MS);
      kept.push({ at: now, done: next.progress.done });
      samples.current = kept;
      const first = kept[0]!;
      const seconds = (now - first.at) / 1000;
      if (isFinished(next)) setDevicesPerSecond(next.timings.devicesPerSecond);
      else if (seconds >= 1) setDevicesPerSecond((next.progress.done - first.done) / seconds);
      setStatus(next);
      setProblem(null);
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
      while (!abort.signal.aborted) {
        try {
          const next = await apiJson<BatchStatus>(key, `/v1/batches/${encodeURIComponent(batchId)}`, { signal: abort.signal });
          accept(next);
          if (isFinished(next)) {
            setTransport('finished');
            return;
          }
        } catch (err) {
          if (abort.signal.aborted) return;
          setProblem(err instanceof ApiProblem ? err : unreachable(err));
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    }

    follow().catch((err: unknown) => {
      if (!abort.signal.aborted) setProblem(err instanceof ApiProblem ? err : unreachable(err));
    });
    return () => abort.abort();
  }, [key, batchId, generation]);

  return { status, transport, problem, devicesPerSecond, restart: () => setGeneration((g) => g + 1) };
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
    res = await fetch(`/v1/batches/${encodeURIComponent(batchId)}/events`, {
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
