// Records of an uploaded CSV, read as the text arrives. Plain lines (printable ASCII without quotes,
// the common case) are split on commas here; from the first line that is anything else to the end
// of the file, csv-parse reads the rest. Both give the same records, and csv-parse gives every
// error, with the same line numbers as if it had read the whole file.
import { Options, parse } from 'csv-parse';
import { Readable, pipeline } from 'node:stream';

export const CSV_OPTIONS: Options = {
  bom: true,
  skip_empty_lines: true,
  relax_column_count: true,
  trim: true,
  max_record_size: 64 * 1024,
  // Any line ending, even mixed in one file (spreadsheets write CRLF, scripts append LF).
  record_delimiter: ['\r\n', '\n', '\r'],
};

/** Longer lines go to csv-parse, which enforces max_record_size (64 KiB) and names the line. */
const PLAIN_LINE_MAX = 4096;
/** What a plain line may not contain: quotes, control characters other than tab, non-ASCII. */
const NOT_PLAIN = /[^\t\n\r\x20\x21\x23-\x7e]/;

/** The records of `text` (UTF-8 text in chunks, BOM removed), in batches of one or more. */
export async function* csvRecords(text: AsyncIterable<string>): AsyncGenerator<string[][]> {
  const chunks = text[Symbol.asyncIterator]();
  const lines = new PlainLines();
  try {
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      const records: string[][] = [];
      const rest = lines.take(next.value, records);
      if (records.length > 0) yield records;
      if (rest !== null) {
        yield* csvParseRecords(rest, chunks);
        return;
      }
    }
    const last = lines.end();
    if (last.length > 0) yield last;
  } finally {
    // Ends the source when the reader stops early (not awaited: csv-parse may still be reading it).
    chunks.return?.().catch(() => undefined);
  }
}

/**
 * csv-parse over `rest` (starting at line `rest.line`) and the chunks still to come. Empty lines
 * in front bring its line counter to where the rest starts; it skips them as it skips any empty line.
 */
async function* csvParseRecords(rest: { line: number; text: string }, chunks: AsyncIterator<string>): AsyncGenerator<string[][]> {
  async function* remaining(): AsyncGenerator<string> {
    yield '\n'.repeat(rest.line - 1) + rest.text;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
  }
  const records = parse(CSV_OPTIONS);
  pipeline(Readable.from(remaining()), records, () => undefined);
  for await (const record of records as AsyncIterable<string[]>) yield [record];
}

/**
 * Splits plain lines into records, keeping a partial last line for the next chunk; line endings
 * \r\n, \n and \r, empty (or blank) lines skipped and fields trimmed, as csv-parse does with CSV_OPTIONS.
 */
class PlainLines {
  /** The line the next character belongs to, 1-based, counted as csv-parse counts. */
  private line = 1;
  private partial = '';
  /** The last chunk ended with \r: a \n starting the next one belongs to the same line ending. */
  private afterCr = false;

  /** Appends the records of the complete plain lines; returns the text from the first other line on. */
  take(chunk: string, records: string[][]): { line: number; text: string } | null {
    let text = this.partial + chunk;
    this.partial = '';
    if (this.afterCr && text.startsWith('\n')) text = text.slice(1);
    this.afterCr = false;
    const notPlainAt = text.search(NOT_PLAIN);
    let pos = 0;
    let nextLf = text.indexOf('\n');
    let nextCr = text.indexOf('\r');
    for (;;) {
      if (nextLf !== -1 && nextLf < pos) nextLf = text.indexOf('\n', pos);
      if (nextCr !== -1 && nextCr < pos) nextCr = text.indexOf('\r', pos);
      const end = nextLf === -1 ? nextCr : nextCr === -1 ? nextLf : Math.min(nextLf, nextCr);
      const lineEnd = end === -1 ? text.length : end;
      if ((notPlainAt !== -1 && notPlainAt < lineEnd) || lineEnd - pos > PLAIN_LINE_MAX) {
        return { line: this.line, text: text.slice(pos) };
      }
      if (end === -1) {
        this.partial = text.slice(pos);
        return null;
      }
      addRecord(text.slice(pos, end), records);
      this.line += 1;
      if (text.charCodeAt(end) === 13 && end + 1 === text.length) this.afterCr = true;
      pos = end + (text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10 ? 2 : 1);
    }
  }

  /** The records of the last line, when the text does not end with a line ending. */
  end(): string[][] {
    const records: string[][] = [];
    addRecord(this.partial, records);
    return records;
  }
}

function addRecord(line: string, records: string[][]): void {
  if (line.indexOf(',') === -1) {
    const field = line.trim();
    if (field !== '') records.push([field]);
    return;
  }
  records.push(line.split(',').map((field) => field.trim()));
}
