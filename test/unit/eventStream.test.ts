// The portal's text/event-stream parser: events end at a blank line, whatever the chunking.
import { createEventStreamParser } from '../../portal/src/api/eventStream';

describe('createEventStreamParser', () => {
  const stream = 'event: progress\nid: 1\ndata: {"done":1}\n\n: keep-alive\n\nevent: end\nid: 2\ndata: {"done":2}\n\n';

  it('reads named events with their ids, and skips comments', () => {
    expect(createEventStreamParser().feed(stream)).toEqual([
      { event: 'progress', id: '1', data: '{"done":1}' },
      { event: 'end', id: '2', data: '{"done":2}' },
    ]);
  });

  it('gives the same events however the stream is cut into chunks', () => {
    for (const size of [1, 2, 3, 7, 16]) {
      const parser = createEventStreamParser();
      const events = [];
      for (let i = 0; i < stream.length; i += size) events.push(...parser.feed(stream.slice(i, i + size)));
      expect([size, events.map((e) => e.event)]).toEqual([size, ['progress', 'end']]);
    }
  });

  it('accepts CRLF and CR line ends, even with a CRLF split across chunks, and joins multi-line data', () => {
    const parser = createEventStreamParser();
    expect(parser.feed('data: first\r')).toEqual([]);
    // A chunk ending in \r may be half of a \r\n: the blank line is only certain with the next chunk.
    expect(parser.feed('\ndata: second\r\n\r')).toEqual([]);
    expect(parser.feed('\n')).toEqual([{ event: 'message', id: null, data: 'first\nsecond' }]);
    expect(parser.feed('data:x\r\r\n')).toEqual([{ event: 'message', id: null, data: 'x' }]);
  });

  it('holds an event back until its blank line arrives', () => {
    const parser = createEventStreamParser();
    expect(parser.feed('event: end\ndata: {}\n')).toEqual([]);
    expect(parser.feed('\n')).toEqual([{ event: 'end', id: null, data: '{}' }]);
  });
});
