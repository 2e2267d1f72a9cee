// Cursor pages: the API gives the next page's cursor; the cursors of the pages seen so far give the way back.
import { useState } from 'react';

export interface CursorPages {
  /** The cursor of the page shown; null for the first. */
  cursor: string | null;
  /** 1 for the first page. */
  number: number;
  back(): void;
  forward(nextCursor: string): void;
  restart(): void;
}

export function useCursorPages(): CursorPages {
  // cursors[i] is the cursor of page i; page 0 has none.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return {
    cursor: cursors[cursors.length - 1] ?? null,
    number: cursors.length,
    back: () => setCursors(cursors.slice(0, -1)),
    forward: (nextCursor) => setCursors([...cursors, nextCursor]),
    restart: () => setCursors([null]),
  };
}

export function CursorPager({
  pages,
  nextCursor,
  labels,
}: {
  pages: CursorPages;
  nextCursor: string | null | undefined;
  labels: [string, string];
}) {
  return (
    <div className="pager">
      <button type="button" disabled={pages.number === 1} onClick={pages.back}>
        {labels[0]}
      </button>
      <span className="muted">page {pages.number}</span>
      <button type="button" disabled={!nextCursor} onClick={() => nextCursor && pages.forward(nextCursor)}>
        {labels[1]}
      </button>
    </div>
  );
}
