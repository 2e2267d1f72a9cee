// A text/event-stream parser (the WHATWG "server-sent events" line format) for streams read with
// fetch(): EventSource cannot send the X-API-Key header. No DOM types, so the API's tests use it too.

export interface ServerSentEvent {
  /** The `event:` field; 'message' when the server named none. */
  event: string;
  data: string;
  id: string | null;
}

export interface EventStreamParser {
  /** Takes the next decoded chunk; returns the events it completed (an event ends at a blank line). */
  feed(chunk: string): ServerSentEvent[];
}

export function createEventStreamParser(): EventStreamParser {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | null = null;
  return {
    feed(chunk) {
      buffer += chunk;
      // A chunk may end inside a line, or between the \r and \n of one line break.
      const cut = buffer.endsWith('\r') ? buffer.length - 1 : buffer.length;
      const lines = buffer.slice(0, cut).split(/\r\n|\r|\n/);
      buffer = (lines.pop() ?? '') + buffer.slice(cut);
      const completed: ServerSentEvent[] = [];
      for (const line of lines) {
        if (line === '') {
          if (data.length > 0) completed.push({ event: event || 'message', data: data.join('\n'), id });
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') id = value;
      }
      return completed;
    },
  };
}
