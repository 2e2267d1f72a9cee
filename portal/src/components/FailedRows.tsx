// The failed rows of a batch, filtered by result code, one page at a time (cursor pages from
// GET /v1/batches/:id/devices): a 100,000-row batch never loads more than a page into the browser.
import { useEffect, useState } from 'react';
import { apiJson } from '../api/client';
import type { BatchDevicesPage } from '../api/types';
import { href } from '../router';
import { useSession } from '../session';
import { formatTime } from '../format';
import { ProblemBox, asProblem } from './ProblemBox';

const PAGE_SIZE = 25;

interface Props {
  batchId: string;
  codes: string[];
  code: string;
  onCode(code: string): void;
  /** Changes when the batch's results change, to read the page again. (Give the component key={code}: a new code starts at page 1.) */
  refreshKey: string;
}

export function FailedRows({ batchId, codes, code, onCode, refreshKey }: Props) {
  const session = useSession();
  // cursors[i] is the cursor of page i; page 0 has none.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<BatchDevicesPage | null>(null);
  const [problem, setProblem] = useState<Error | null>(null);
  const pageIndex = cursors.length - 1;

  useEffect(() => {
    const abort = new AbortController();
    const query = new URLSearchParams({ status: 'FAILED', limit: String(PAGE_SIZE) });
    if (code) query.set('code', code);
    const cursor = cursors[cursors.length - 1];
    if (cursor) query.set('cursor', cursor);
    apiJson<BatchDevicesPage>(session.key, `/v1/batches/${encodeURIComponent(batchId)}/devices?${query}`, { signal: abort.signal })
      .then((answer) => {
        setPage(answer);
        setProblem(null);
      })
      .catch((err) => {
        if (!abort.signal.aborted) setProblem(asProblem(err));
      });
    return () => abort.abort();
  }, [session.key, batchId, code, cursors, refreshKey]);

  return (
    <section className="failed-rows">
      <h2>Failed rows</h2>
      <label className="inline">
        Code{' '}
        <select name="code" value={code} onChange={(e) => onCode(e.target.value)} data-testid="code-filter">
          <option value="">all failure codes</option>
          {codes.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
      <ProblemBox problem={problem} />
      <table data-testid="failed-rows">
        <thead>
          <tr>
            <th className="num">row</th>
            <th>device UID</th>
            <th>code</th>
            <th>message</th>
            <th>finished</th>
          </tr>
        </thead>
        <tbody>
          {page?.devices.map((row) => (
            <tr key={row.rowNumber}>
              <td className="num">{row.rowNumber}</td>
              <td>
                {row.deviceId === null ? (
                  <code>{row.deviceUid}</code>
                ) : (
                  <a href={href({ page: 'device', uid: row.deviceUid })}>{row.deviceUid}</a>
                )}
              </td>
              <td>
                <span className="code failed">{row.code}</span>
              </td>
              <td>{row.message}</td>
              <td>{formatTime(row.finishedAt)}</td>
            </tr>
          ))}
          {page && page.devices.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                No failed rows{code ? ` with code ${code}` : ''}.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <div className="pager">
        <button type="button" disabled={pageIndex === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          ← Previous
        </button>
        <span className="muted">page {pageIndex + 1}</span>
        <button type="button" disabled={!page?.nextCursor} onClick={() => page?.nextCursor && setCursors([...cursors, page.nextCursor])}>
          Next →
        </button>
      </div>
    </section>
  );
}
