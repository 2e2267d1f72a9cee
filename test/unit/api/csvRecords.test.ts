// csvRecords: the plain-line fast path and its csv-parse fallback give exactly what csv-parse alone
// gives for the whole file — the same records, or the same error with the same line number —
// however the text is cut into chunks.
import { parse } from 'csv-parse/sync';
import { CSV_OPTIONS, csvRecords } from '../../../src/batches/csvRecords';

type Outcome = { records: string[][] } | { error: string };

function csvParseAlone(text: string): Outcome {
  try {
    return { records: parse(text, CSV_OPTIONS) as string[][] };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

async function viaCsvRecords(text: string, cuts: number[]): Promise<Outcome> {
  async function* chunks() {
    let from = 0;
    for (const cut of [...cuts, text.length]) {
      if (cut > from) yield text.slice(from, cut);
      from = Math.max(from, cut);
    }
  }
  const records: string[][] = [];
  try {
    for await (const batch of csvRecords(chunks())) records.push(...batch);
    return { records };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** A small deterministic generator, so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const PIECES = ['490154203237518', 'SN-ABC123', 'x', ' ', '\t', ',', '\n', '\r\n', '\r', '\n\n', '"', '""', '"a,b"', 'é', '\u00a0', ';'];

function randomCsv(next: () => number, quoteFree: boolean): string {
  const pieces = quoteFree ? PIECES.filter((p) => !p.includes('"')) : PIECES;
  let text = 'deviceUid,imei2\n';
  const length = Math.floor(next() * 60);
  for (let i = 0; i < length; i++) text += pieces[Math.floor(next() * pieces.length)];
  return text;
}

function randomCuts(next: () => number, length: number): number[] {
  return Array.from({ length: Math.floor(next() * 5) }, () => Math.floor(next() * (length + 1))).sort((a, b) => a - b);
}

describe('csvRecords', () => {
  it.each([
    ['quote-free files', true],
    ['files with quotes, non-ASCII and bad quoting (errors included)', false],
  ])('reads %s exactly as csv-parse does, cut anywhere', async (_what, quoteFree) => {
    for (let seed = 1; seed <= 500; seed++) {
      const next = random(seed);
      const text = randomCsv(next, quoteFree);
      const cuts = randomCuts(next, text.length);
      expect({ seed, ...(await viaCsvRecords(text, cuts)) }).toEqual({ seed, ...csvParseAlone(text) });
    }
  });

  it('names the line of a bad quote after many plain lines, across CRLF, CR and empty lines', async () => {
    const text = 'deviceUid\r\n' + '490154203237518\r\n\n\r'.repeat(500) + 'SN-1"23456\n490154203237518\n';
    const alone = csvParseAlone(text);
    expect(alone).toEqual({ error: expect.stringMatching(/at line 1502\b/) });
    expect(await viaCsvRecords(text, [7, 4000, 4001])).toEqual(alone);
  });

  it('refuses an over-long line as csv-parse does, without waiting for its end', async () => {
    const text = 'deviceUid\n' + '4'.repeat(100 * 1024);
    const alone = csvParseAlone(text);
    expect(alone).toEqual({ error: expect.stringMatching(/^Max Record Size: .* at line 2$/) });
    expect(await viaCsvRecords(text, [5000, 70_000])).toEqual(alone);
  });

  it('reads a plain 100,000-row file in batches, not one record at a time', async () => {
    const text = 'deviceUid\n' + '490154203237518\n'.repeat(100_000);
    let batches = 0;
    let records = 0;
    async function* chunks() {
      for (let i = 0; i < text.length; i += 65536) yield text.slice(i, i + 65536);
    }
    for await (const batch of csvRecords(chunks())) {
      batches += 1;
      records += batch.length;
    }
    expect({ records, batches }).toEqual({ records: 100_001, batches: Math.ceil(text.length / 65536) });
  });
});
