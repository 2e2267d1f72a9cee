// One batch: live progress (events, or polling), counters by result code, devices/s and time left,
// the failed rows by code in cursor pages, the results CSV, cancel, retry and the Temporal Web UI link.
import { useState } from 'react';
import { BatchCommand, useBatchCommand, useResultsDownload } from '../api/batches';
import { isFinished, useBatchProgress } from '../api/batchProgress';
import type { BatchStatus } from '../api/types';
import { FailedRows } from '../components/FailedRows';
import { ProblemBox } from '../components/ProblemBox';
import { StatusBadge } from '../components/StatusBadge';
import { Table, numeric } from '../components/Table';
import { formatCount, formatDuration, formatTime } from '../format';
import { canWrite, useSession } from '../session';

const COMMAND_NOTICES: Record<BatchCommand, string> = {
  cancel: 'Cancelling: no new devices start; the rest end CANCELLED.',
  retry: 'Retrying the failed devices.',
};

export function BatchPage({ batchId }: { batchId: string }) {
  const progress = useBatchProgress(batchId);
  const { status } = progress;
  const [codeFilter, setCodeFilter] = useState('');

  if (!status) {
    return (
      <section>
        <h1>Batch {batchId}</h1>
        {progress.problem ? <ProblemBox problem={progress.problem} /> : <p className="loading">Loading…</p>}
      </section>
    );
  }

  const failed = status.countersByStatus.FAILED ?? 0;
  return (
    <section>
      <h1>
        Batch <code>{batchId}</code> <StatusBadge status={status.status} />
      </h1>
      <div className="card">
        <Summary status={status} />
        <ProgressLine status={status} devicesPerSecond={progress.devicesPerSecond} transport={progress.transport} />
        <ProblemBox problem={progress.problem} />
        <BatchActions status={status} onCommanded={progress.restart} />
      </div>
      <h2>Results by code</h2>
      <CountersTable status={status} onShowRows={setCodeFilter} />
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

/** The results CSV; for operators, cancel while it runs and retry once it ended with failures. */
function BatchActions({ status, onCommanded }: { status: BatchStatus; onCommanded: () => void }) {
  const writer = canWrite(useSession());
  const command = useBatchCommand(status.batchId);
  const download = useResultsDownload(status.batchId);
  const run = (name: BatchCommand) => command.mutate(name, { onSuccess: onCommanded });
  const failed = status.countersByStatus.FAILED ?? 0;
  return (
    <>
      <div className="actions">
        <button type="button" onClick={() => download.mutate()}>
          Download results CSV
        </button>
        {writer && !isFinished(status) && (
          <button type="button" className="danger" onClick={() => run('cancel')}>
            Cancel batch
          </button>
        )}
        {writer && isFinished(status) && failed > 0 && (
          <button type="button" onClick={() => run('retry')}>
            Retry failed devices
          </button>
        )}
        <a href={status.links.temporalUi} target="_blank" rel="noreferrer noopener">
          Open in Temporal Web UI ↗
        </a>
      </div>
      {command.isSuccess && <p className="notice">{COMMAND_NOTICES[command.variables]}</p>}
      <ProblemBox problem={command.error ?? download.error} />
    </>
  );
}

function CountersTable({ status, onShowRows }: { status: BatchStatus; onShowRows: (code: string) => void }) {
  const pending = status.countersByStatus.PENDING ?? 0;
  return (
    <Table className="counters" testId="counters" columns={['code', numeric('devices'), '']}>
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
                <button type="button" className="link-button" onClick={() => onShowRows(code)}>
                  show rows
                </button>
              )}
            </td>
          </tr>
        ))}
      {pending > 0 && (
        <tr>
          <td className="muted">pending</td>
          <td className="num">{formatCount(pending)}</td>
          <td />
        </tr>
      )}
    </Table>
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
