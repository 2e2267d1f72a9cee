// The failed rows of a batch, filtered by result code, one page at a time (cursor pages from
// GET /v1/batches/:id/devices): a 100,000-row batch never loads more than a page into the browser.
import { useFailedRows } from '../api/batches';
import type { BatchDevicesPage } from '../api/types';
import { formatTime } from '../format';
import { href } from '../router';
import { CursorPager, useCursorPages } from './CursorPager';
import { ProblemBox } from './ProblemBox';
import { Table, numeric } from './Table';

interface Props {
  batchId: string;
  codes: string[];
  code: string;
  onCode(code: string): void;
  /** Changes when the batch's results change, to read the page again. (Give the component key={code}: a new code starts at page 1.) */
  refreshKey: string;
}

export function FailedRows({ batchId, codes, code, onCode, refreshKey }: Props) {
  const pages = useCursorPages();
  const rows = useFailedRows(batchId, code, pages.cursor, refreshKey);
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
      <ProblemBox problem={rows.error} />
      <FailedRowsTable page={rows.data} code={code} />
      <CursorPager pages={pages} nextCursor={rows.data?.nextCursor} labels={['← Previous', 'Next →']} />
    </section>
  );
}

function FailedRowsTable({ page, code }: { page: BatchDevicesPage | undefined; code: string }) {
  return (
    <Table
      testId="failed-rows"
      columns={[numeric('row'), 'device UID', 'code', 'message', 'finished']}
      empty={page?.devices.length === 0 ? `No failed rows${code ? ` with code ${code}` : ''}.` : null}
    >
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
    </Table>
  );
}
