// The caller's batches (GET /v1/batches): newest first, filtered by status, mode and creation date,
// in cursor pages.
import { FormEvent, useEffect, useState } from 'react';
import { apiJson } from '../api/client';
import type { BatchStatus, BatchSummary, BatchesPage as BatchesAnswer } from '../api/types';
import { ProblemBox, asProblem } from '../components/ProblemBox';
import { StatusBadge } from '../components/StatusBadge';
import { formatCount, formatTime } from '../format';
import { href } from '../router';
import { canWrite, useSession } from '../session';

const PAGE_SIZE = 20;

interface Filters {
  status: string;
  mode: string;
  createdFrom: string;
  createdTo: string;
}

const NO_FILTERS: Filters = { status: '', mode: '', createdFrom: '', createdTo: '' };

export function BatchesPage() {
  const session = useSession();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [answer, setAnswer] = useState<BatchesAnswer | null>(null);
  const [problem, setProblem] = useState<Error | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (filters.status) query.set('status', filters.status);
    if (filters.mode) query.set('mode', filters.mode);
    // Dates are local days: from the start of the first to the end of the last.
    if (filters.createdFrom) query.set('createdFrom', new Date(`${filters.createdFrom}T00:00:00`).toISOString());
    if (filters.createdTo) query.set('createdTo', new Date(`${filters.createdTo}T23:59:59.999`).toISOString());
    const cursor = cursors[cursors.length - 1];
    if (cursor) query.set('cursor', cursor);
    apiJson<BatchesAnswer>(session.key, `/v1/batches?${query}`, { signal: abort.signal })
      .then((next) => {
        setAnswer(next);
        setProblem(null);
      })
      .catch((err) => {
        if (!abort.signal.aborted) setProblem(asProblem(err));
      });
    return () => abort.abort();
  }, [session.key, filters, cursors]);

  function apply(event: FormEvent) {
    event.preventDefault();
    setFilters(draft);
    setCursors([null]);
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
      <form className="filters" onSubmit={apply}>
        <label>
          Status
          <select name="status" value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.target.value })}>
            <option value="">any</option>
            {['RUNNING', 'COMPLETED', 'CANCELLED', 'CREATED'].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Mode
          <select name="mode" value={draft.mode} onChange={(e) => setDraft({ ...draft, mode: e.target.value })}>
            <option value="">any</option>
            {['assign', 'register', 'exit'].map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        <label>
          Created from
          <input
            type="date"
            name="createdFrom"
            value={draft.createdFrom}
            onChange={(e) => setDraft({ ...draft, createdFrom: e.target.value })}
          />
        </label>
        <label>
          to
          <input type="date" name="createdTo" value={draft.createdTo} onChange={(e) => setDraft({ ...draft, createdTo: e.target.value })} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <ProblemBox problem={problem} />
      <table data-testid="batches">
        <thead>
          <tr>
            <th>created</th>
            <th>batch</th>
            <th>mode</th>
            <th>status</th>
            <th>progress</th>
            <th className="num">refused at upload</th>
            <th>workspace</th>
            <th>finished</th>
          </tr>
        </thead>
        <tbody>
          {answer?.batches.map((batch) => (
            <BatchRow key={batch.batchId} batch={batch} />
          ))}
          {answer && answer.batches.length === 0 && (
            <tr>
              <td colSpan={8} className="muted">
                No batches{filters === NO_FILTERS ? ' yet' : ' match these filters'}.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <div className="pager">
        <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          ← Newer
        </button>
        <span className="muted">page {cursors.length}</span>
        <button
          type="button"
          disabled={!answer?.nextCursor}
          onClick={() => answer?.nextCursor && setCursors([...cursors, answer.nextCursor])}
        >
          Older →
        </button>
      </div>
    </section>
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

const RUNNING_REFRESH_MS = 5_000;

/** A finished batch is all done; a running one reads its own progress (the list does not count rows). */
function ProgressCell({ batch }: { batch: BatchSummary }) {
  const session = useSession();
  const running = batch.status === 'RUNNING' || batch.status === 'CREATED';
  const [progress, setProgress] = useState<BatchStatus['progress'] | null>(null);

  useEffect(() => {
    if (!running) return;
    const abort = new AbortController();
    const read = () =>
      apiJson<BatchStatus>(session.key, `/v1/batches/${encodeURIComponent(batch.batchId)}`, { signal: abort.signal })
        .then((status) => setProgress(status.progress))
        .catch(() => undefined);
    void read();
    const timer = setInterval(read, RUNNING_REFRESH_MS);
    return () => {
      clearInterval(timer);
      abort.abort();
    };
  }, [running, session.key, batch.batchId]);

  const total = progress?.total ?? batch.rows?.total ?? 0;
  const done = running ? (progress?.done ?? 0) : total;
  return (
    <span className="list-progress">
      <progress max={total || 1} value={done} /> {formatCount(done)} / {formatCount(total)}
    </span>
  );
}
