// Reading GET /v1/batches/:id/events the way the portal does (fetch with the X-API-Key header, a stream reader and
// the portal's own parser), either to its end or held open while a test does something else.
import { createEventStreamParser, ServerSentEvent } from '../../portal/src/api/eventStream';

type ReceivedEvent = ServerSentEvent & { receivedAt: number };

export interface OpenStream {
  status: number;
  contentType: string;
  retryAfter: string | null;
  /** The problem+json body of a refused stream. */
  problem: { code: string; status: number; detail: string } | null;
  /** Filled as events arrive. */
  events: ReceivedEvent[];
  /** Resolves with the time the server ended the stream (or the client aborted it). */
  closed: Promise<number>;
  abort(): void;
}

/** Opens a stream; `onEvent` sees each event as it arrives. */
export async function openEventStream(
  url: string,
  apiKey: string,
  onEvent: (e: ServerSentEvent) => void = () => undefined,
): Promise<OpenStream> {
  const aborter = new AbortController();
  const res = await fetch(url, { headers: { 'X-API-Key': apiKey, Accept: 'text/event-stream' }, signal: aborter.signal });
  const events: ReceivedEvent[] = [];
  const opened = {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    retryAfter: res.headers.get('retry-after'),
    events,
    abort: () => aborter.abort(),
  };
  if (!res.ok || !res.body) {
    const problem = (await res.json()) as OpenStream['problem'];
    return { ...opened, problem, closed: Promise.resolve(Date.now()) };
  }
  const reader = res.body.getReader();
  const closed = (async () => {
    const parser = createEventStreamParser();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const event of parser.feed(decoder.decode(value, { stream: true }))) {
          events.push({ ...event, receivedAt: Date.now() });
          onEvent(event);
        }
      }
    } catch (err) {
      if (!aborter.signal.aborted) throw err;
    }
    return Date.now();
  })();
  return { ...opened, problem: null, closed };
}

export interface ReadEvents {
  status: number;
  contentType: string;
  events: ReceivedEvent[];
  /** Milliseconds from the request to the end of the stream. */
  durationMs: number;
}

/** Reads the stream to its end. */
export async function readEvents(url: string, apiKey: string, onEvent?: (e: ServerSentEvent) => void): Promise<ReadEvents> {
  const started = Date.now();
  const stream = await openEventStream(url, apiKey, onEvent);
  const endedAt = await stream.closed;
  return { status: stream.status, contentType: stream.contentType, events: stream.events, durationMs: endedAt - started };
}
