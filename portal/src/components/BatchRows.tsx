// A batch's rows, all of them or filtered by device UID (its start), row status and result code, one page
// at a time (cursor pages from GET /v1/batches/:id/devices): a 100,000-row batch never loads more than a
// page into the browser.
import { FormEvent, useState } from 'react';
import { RowFilters, useBatchRows } from '../api/batches';
import type { BatchDevicesPage } from '../api/types';
import { ROW_STATUSES } from '../batchOutcome';
import { href } from '../router';
import { CursorPager, useCursorPages } from './CursorPager';
import { ProblemBox } from './ProblemBox';
import { Table, numeric } from './Table';
import { Time } from './Time';

interface Props {
  batchId: string;
  codes: string[];
  filters: RowFilters;
  onFilters(filters: RowFilters): void;
  /** Changes when the batch's results change, to read the page again. (Give the component key={filters}: new filters start at page 1.) */
  refreshKey: string;
}

export function BatchRows({ batchId, codes, filters, onFilters, refreshKey }: Props) {
  const pages = useCursorPages();
  const rows = useBatchRows(batchId, filters, pages.cursor, refreshKey);
  return (
    <section className="batch-rows">
      <h2>Rows</h2>
      <RowFilterForm codes={codes} filters={filters} onFilters={onFilters} />
      <ProblemBox problem={rows.error} />
      <RowsTable page={rows.data} filtered={filters.status !== '' || filters.code !== '' || filters.uidPrefix !== ''} />
      <CursorPager pages={pages} nextCursor={rows.data?.nextCursor} labels={['← Previous', 'Next →']} />
    </section>
  );
}

function RowFilterForm({ codes, filters, onFilters }: Pick<Props, 'codes' | 'filters' | 'onFilters'>) {
  const [uid, setUid] = useState(filters.uidPrefix);
  function search(event: FormEvent) {
    event.preventDefault();
    onFilters({ ...filters, uidPrefix: uid.trim() });
  }
  return (
    <form className="filters" onSubmit={search} role="search" aria-label="Rows of this batch">
      <label>
        Device UID starts with
        <input type="search" name="uidPrefix" value={uid} onChange={(e) => setUid(e.target.value)} inputMode="numeric" />
      </label>
      <button type="submit">Search</button>
      <label>
        Status
        <select name="rowStatus" value={filters.status} onChange={(e) => onFilters({ ...filters, status: e.target.value })}>
          <option value="">any status</option>
          {ROW_STATUSES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
      <label>
        Code
        <select
          name="code"
          value={filters.code}
          onChange={(e) => onFilters({ ...filters, code: e.target.value })}
          data-testid="code-filter"
        >
          <option value="">any code</option>
          {codes.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </label>
    </form>
  );
}

function RowsTable({ page, filtered }: { page: BatchDevicesPage | undefined; filtered: boolean }) {
  return (
    <Table
      label="Rows"
      testId="rows"
      columns={[numeric('row'), 'device UID', 'status', 'code', 'message', 'finished']}
      empty={page?.devices.length === 0 ? `No rows${filtered ? ' match these filters' : ''}.` : null}
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
          <td>{row.status}</td>
          <td>{row.code && <span className={row.code === 'OK' ? 'code ok' : 'code failed'}>{row.code}</span>}</td>
          <td>{row.message}</td>
          <td>
            <Time iso={row.finishedAt} />
          </td>
        </tr>
      ))}
    </Table>
  );
}
