// One batch: live progress (events, or polling), counters by result code, devices/s and time left,
// the failed rows by code in cursor pages, the results CSV, cancel, retry and the Temporal Web UI link.
import { useState } from 'react';
import { apiFetch } from '../api/client';
import { isFinished, useBatchProgress } from '../api/batchProgress';
import type { BatchStatus } from '../api/types';
import { FailedRows } from '../components/FailedRows';
import { ProblemBox, asProblem } from '../components/ProblemBox';
import { StatusBadge } from '../components/StatusBadge';
import { formatCount, formatDuration, formatTime } from '../format';
import { canWrite, useSession } from '../session';

export function BatchPage({ batchId }: { batchId: string }) {
  const session = useSession();
  const progress = useBatchProgress(session.key, batchId);
  const { status } = progress;
  const [codeFilter, setCodeFilter] = useState('');
  const [actionProblem, setActionProblem] = useState<Error | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function act(path: 'cancel' | 'retry') {
    setActionProblem(null);
    setNotice(null);
    try {
      await apiFetch(session.key, `/v1/batches/${encodeURIComponent(batchId)}/${path}`, { method: 'POST' });
      setNotice(path === 'cancel' ? 'Cancelling: no new devices start; the rest end CANCELLED.' : 'Retrying the failed devices.');
      progress.restart();
    } catch (err) {
      setActionProblem(asProblem(err));
    }
  }

  async function download() {
    setActionProblem(null);
    try {
      const res = await apiFetch(session.key, `/v1/batches/${encodeURIComponent(batchId)}/results.csv`);
      const url = URL.createObjectURL(await res.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = `batch-${batchId}-results.csv`;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setActionProblem(asProblem(err));
    }
  }

  if (!status) {
    return (
      <section>
        <h1>Batch {batchId}</h1>
        {progress.problem ? <ProblemBox problem={progress.problem} /> : <p className="loading">Loading…</p>}
      </section>
    );
  }

  const failed = status.countersByStatus.FAILED ?? 0;
  const writer = canWrite(session);
  return (
    <section>
      <h1>
        Batch <code>{batchId}</code> <StatusBadge status={status.status} />
      </h1>
      <div className="card">
        <Summary status={status} />
        <ProgressLine status={status} devicesPerSecond={progress.devicesPerSecond} transport={progress.transport} />
        <ProblemBox problem={progress.problem} />
        <div className="actions">
          <button type="button" onClick={download}>
            Download results CSV
          </button>
          {writer && !isFinished(status) && (
            <button type="button" className="danger" onClick={() => act('cancel')}>
              Cancel batch
            </button>
          )}
          {writer && isFinished(status) && failed > 0 && (
            <button type="button" onClick={() => act('retry')}>
              Retry failed devices
            </button>
          )}
          <a href={status.links.temporalUi} target="_blank" rel="noreferrer noopener">
            Open in Temporal Web UI ↗
          </a>
        </div>
        {notice && <p className="notice">{notice}</p>}
        <ProblemBox problem={actionProblem} />
      </div>
      <h2>Results by code</h2>
      <table className="counters" data-testid="counters">
        <thead>
          <tr>
            <th>code</th>
            <th className="num">devices</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {Object.entries(status.countersByCode)
            .sort(([, a], [, b]) => b - a)
            .map(([code, count]) => (
              <tr key={code} data-code={code}>
                <td>
                  <span className={code === 'OK' ? 'code ok' : 'code failed'}>{code}</span>
                </td>
                <td className="num">{formatCount(count)}</td>
                <td>
                  {code !== 'OK' && (
                    <button type="button" className="link-button" onClick={() => setCodeFilter(code)}>
                      show rows
                    </button>
                  )}
                </td>
              </tr>
            ))}
          {(status.countersByStatus.PENDING ?? 0) > 0 && (
            <tr>
              <td className="muted">pending</td>
              <td className="num">{formatCount(status.countersByStatus.PENDING ?? 0)}</td>
              <td />
            </tr>
          )}
        </tbody>
      </table>
      <FailedRows
        key={codeFilter}
        batchId={batchId}
        codes={Object.keys(status.countersByCode).filter((code) => code !== 'OK')}
        code={codeFilter}
        onCode={setCodeFilter}
        refreshKey={`${status.status}:${failed}`}
      />
    </section>
  );
}

function Summary({ status }: { status: BatchStatus }) {
  return (
    <dl className="summary">
      <dt>Mode</dt>
      <dd>{status.mode}</dd>
      <dt>Workflow</dt>
      <dd>{status.workflowId ?? '—'}</dd>
      <dt>Target workspace</dt>
      <dd>{status.targetWorkspaceId}</dd>
      <dt>Rows</dt>
      <dd>
        {formatCount(status.rows.total)} in the file, {formatCount(status.rows.rejected)} refused at upload
      </dd>
      <dt>Created</dt>
      <dd>{formatTime(status.timings.createdAt)}</dd>
      <dt>Finished</dt>
      <dd>{formatTime(status.timings.finishedAt)}</dd>
      {status.retries > 0 && (
        <>
          <dt>Retries</dt>
          <dd>{status.retries}</dd>
        </>
      )}
    </dl>
  );
}

function ProgressLine({
  status,
  devicesPerSecond,
  transport,
}: {
  status: BatchStatus;
  devicesPerSecond: number | null;
  transport: string;
}) {
  const { total, done, pending } = status.progress;
  const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
  const timeLeft =
    !isFinished(status) && devicesPerSecond && devicesPerSecond > 0 ? formatDuration((pending / devicesPerSecond) * 1000) : null;
  return (
    <div className="progress-line" data-testid="batch-progress">
      <progress max={total || 1} value={done} />
      <span>
        <strong>{formatCount(done)}</strong> / {formatCount(total)} done ({percent} %)
      </span>
      <span>{devicesPerSecond === null ? '— devices/s' : `${devicesPerSecond.toFixed(1)} devices/s`}</span>
      {timeLeft && <span>about {timeLeft} left</span>}
      <span className="muted" data-testid="by-status">
        {Object.entries(status.countersByStatus)
          .map(([name, count]) => `${formatCount(count)} ${name.toLowerCase()}`)
          .join(' · ')}
      </span>
      {!isFinished(status) && <span className="muted">elapsed {formatDuration(status.timings.elapsedSeconds * 1000)}</span>}
      <span className={`transport transport-${transport}`} title="how this page follows the batch">
        {transport === 'live' ? '● live' : transport === 'polling' ? '○ polling' : transport === 'connecting' ? '… connecting' : 'final'}
      </span>
    </div>
  );
}
