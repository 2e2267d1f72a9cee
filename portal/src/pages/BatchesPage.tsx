// The caller's batches (GET /v1/batches): newest first, filtered by status, mode and creation date,
// in cursor pages; each with its file, creator, workflow and outcome (a stacked bar of its rows).
import { ChangeEvent, useState } from 'react';
import { BatchFilters, useBatches } from '../api/batches';
import type { BatchSummary, BatchesPage as BatchesAnswer } from '../api/types';
import { useWorkflowName } from '../api/workflows';
import { BATCH_STATUS_LABELS } from '../batchOutcome';
import { CursorPager, useCursorPages } from '../components/CursorPager';
import { OutcomeBar } from '../components/OutcomeBar';
import { PageHeading } from '../components/PageHeading';
import { ProblemBox } from '../components/ProblemBox';
import { BatchStatusBadge } from '../components/StatusBadge';
import { Table, numeric } from '../components/Table';
import { Time } from '../components/Time';
import { useFilterDraft } from '../filterDraft';
import { formatCount } from '../format';
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
      <PageHeading title="Batches" />
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
  const { field, submit } = useFilterDraft(NO_FILTERS, onApply);

  return (
    <form className="filters" onSubmit={submit} aria-label="Filter batches">
      <label>
        Status
        <Choices {...field('status')} options={Object.entries(BATCH_STATUS_LABELS)} />
      </label>
      <label>
        Mode
        <Choices {...field('mode')} options={['assign', 'register', 'exit'].map((mode) => [mode, mode])} />
      </label>
      <label>
        Created from (your days)
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

/** A select of `options` ([value, words]), or any. */
function Choices({
  options,
  ...select
}: {
  name: string;
  value: string;
  onChange: (e: ChangeEvent<HTMLSelectElement>) => void;
  options: [string, string][];
}) {
  return (
    <select {...select}>
      <option value="">any</option>
      {options.map(([value, words]) => (
        <option key={value} value={value}>
          {words}
        </option>
      ))}
    </select>
  );
}

function BatchesTable({ answer, filtered }: { answer: BatchesAnswer | undefined; filtered: boolean }) {
  return (
    <Table
      label="Batches"
      testId="batches"
      columns={['created', 'batch', 'by', 'mode · workflow', 'status', 'outcome', numeric('refused at upload'), 'workspace', 'finished']}
      empty={answer?.batches.length === 0 ? `No batches${filtered ? ' match these filters' : ' yet'}.` : null}
    >
      {answer?.batches.map((batch) => (
        <BatchRow key={batch.batchId} batch={batch} />
      ))}
    </Table>
  );
}

function BatchRow({ batch }: { batch: BatchSummary }) {
  const workflowName = useWorkflowName(batch.workflowId);
  return (
    <tr>
      <td>
        <Time iso={batch.createdAt} />
      </td>
      <td>
        <a href={href({ page: 'batch', batchId: batch.batchId })}>{batch.fileName ?? <code>{batch.batchId.slice(0, 8)}</code>}</a>
        {batch.fileName && <code className="muted small"> {batch.batchId.slice(0, 8)}</code>}
      </td>
      <td>{batch.createdBy}</td>
      <td>
        {batch.mode}
        {batch.workflowId && <span className="muted"> · {workflowName ?? batch.workflowId}</span>}
      </td>
      <BatchOutcomeCells batch={batch} />
      <td className="num">{batch.rows ? formatCount(batch.rows.rejected) : '—'}</td>
      <td>{batch.targetWorkspaceId}</td>
      <td>
        <Time iso={batch.finishedAt} />
      </td>
    </tr>
  );
}

/** The badge and the stacked bar, from the rows by status the list carries for each batch. */
function BatchOutcomeCells({ batch }: { batch: BatchSummary }) {
  const name = `batch ${batch.fileName ?? batch.batchId.slice(0, 8)}`;
  return (
    <>
      <td>
        <BatchStatusBadge status={batch} />
        {batch.retries ? <span className="muted"> retried {batch.retries}×</span> : null}
      </td>
      <td>
        <OutcomeBar status={batch} label={`Outcome of ${name}`} compact />
      </td>
    </>
  );
}
