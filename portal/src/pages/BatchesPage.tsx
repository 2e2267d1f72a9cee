// The caller's batches (GET /v1/batches): newest first, filtered by status, mode and creation date,
// in cursor pages.
import { ChangeEvent, FormEvent, useState } from 'react';
import { BatchFilters, useBatchStatus, useBatches } from '../api/batches';
import type { BatchSummary, BatchesPage as BatchesAnswer } from '../api/types';
import { CursorPager, useCursorPages } from '../components/CursorPager';
import { ProblemBox } from '../components/ProblemBox';
import { StatusBadge } from '../components/StatusBadge';
import { Table, numeric } from '../components/Table';
import { formatCount, formatTime } from '../format';
import { href } from '../router';
import { canWrite, useSession } from '../session';

const NO_FILTERS: BatchFilters = { status: '', mode: '', createdFrom: '', createdTo: '' };

export function BatchesPage() {
  const session = useSession();
  const [filters, setFilters] = useState<BatchFilters>(NO_FILTERS);
  const pages = useCursorPages();
  const batches = useBatches(filters, pages.cursor);

  function apply(next: BatchFilters) {
    setFilters(next);
    pages.restart();
  }

  return (
    <section>
      <h1>Batches</h1>
      {canWrite(session) && (
        <p>
          <a className="button" href={href({ page: 'bulk' })}>
            New bulk action
          </a>
        </p>
      )}
      <FilterForm onApply={apply} />
      <ProblemBox problem={batches.error} />
      <BatchesTable answer={batches.data} filtered={filters !== NO_FILTERS} />
      <CursorPager pages={pages} nextCursor={batches.data?.nextCursor} labels={['← Newer', 'Older →']} />
    </section>
  );
}

function FilterForm({ onApply }: { onApply: (filters: BatchFilters) => void }) {
  const [draft, setDraft] = useState<BatchFilters>(NO_FILTERS);
  const field = (name: keyof BatchFilters) => ({
    name,
    value: draft[name],
    onChange: (e: ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setDraft({ ...draft, [name]: e.target.value }),
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    onApply(draft);
  }

  return (
    <form className="filters" onSubmit={submit}>
      <label>
        Status
        <Choices {...field('status')} options={['RUNNING', 'COMPLETED', 'CANCELLED', 'CREATED']} />
      </label>
      <label>
        Mode
        <Choices {...field('mode')} options={['assign', 'register', 'exit']} />
      </label>
      <label>
        Created from
        <input type="date" {...field('createdFrom')} />
      </label>
      <label>
        to
        <input type="date" {...field('createdTo')} />
      </label>
      <button type="submit">Filter</button>
    </form>
  );
}

/** A select of `options`, or any. */
function Choices({
  options,
  ...select
}: {
  name: string;
  value: string;
  onChange: (e: ChangeEvent<HTMLSelectElement>) => void;
  options: string[];
}) {
  return (
    <select {...select}>
      <option value="">any</option>
      {options.map((option) => (
        <option key={option}>{option}</option>
      ))}
    </select>
  );
}

function BatchesTable({ answer, filtered }: { answer: BatchesAnswer | undefined; filtered: boolean }) {
  return (
    <Table
      testId="batches"
      columns={['created', 'batch', 'mode', 'status', 'progress', numeric('refused at upload'), 'workspace', 'finished']}
      empty={answer?.batches.length === 0 ? `No batches${filtered ? ' match these filters' : ' yet'}.` : null}
    >
      {answer?.batches.map((batch) => (
        <BatchRow key={batch.batchId} batch={batch} />
      ))}
    </Table>
  );
}

function BatchRow({ batch }: { batch: BatchSummary }) {
  return (
    <tr>
      <td>{formatTime(batch.createdAt)}</td>
      <td>
        <a href={href({ page: 'batch', batchId: batch.batchId })}>
          <code>{batch.batchId.slice(0, 8)}</code>
        </a>
        {batch.fileName ? <span className="muted"> {batch.fileName}</span> : null}
      </td>
      <td>{batch.mode}</td>
      <td>
        <StatusBadge status={batch.status} />
        {batch.retries ? <span className="muted"> retried {batch.retries}×</span> : null}
      </td>
      <td>
        <ProgressCell batch={batch} />
      </td>
      <td className="num">{batch.rows ? formatCount(batch.rows.rejected) : '—'}</td>
      <td>{batch.targetWorkspaceId}</td>
      <td>{formatTime(batch.finishedAt)}</td>
    </tr>
  );
}

/** A finished batch is all done; a running one reads its own progress (the list does not count rows). */
function ProgressCell({ batch }: { batch: BatchSummary }) {
  const running = batch.status === 'RUNNING' || batch.status === 'CREATED';
  const status = useBatchStatus(batch.batchId, running);
  const progress = running ? status.data?.progress : undefined;
  const total = progress?.total ?? batch.rows?.total ?? 0;
  const done = running ? (progress?.done ?? 0) : total;
  return (
    <span className="list-progress">
      <progress max={total || 1} value={done} /> {formatCount(done)} / {formatCount(total)}
    </span>
  );
}
