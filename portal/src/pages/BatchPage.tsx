// One batch: live progress (events, or polling) as a stacked bar of outcomes, counters by result code,
// devices/s and time left, its rows searchable by UID and filtered by status and code, the results CSV,
// cancel and retry (each confirmed first) and the Temporal Web UI link; a preview's prediction with start and discard.
import { useState } from 'react';
import { ALL_ROWS, RowFilters } from '../api/batches';
import { isFinished, useBatchProgress } from '../api/batchProgress';
import type { BatchPreview, BatchStatus } from '../api/types';
import { useWorkflowName } from '../api/workflows';
import { BatchActions } from '../components/BatchActions';
import { BatchPreviewPanel } from '../components/BatchPreviewPanel';
import { BatchRows } from '../components/BatchRows';
import { BatchSettingsSummary } from '../components/BatchSettingsSummary';
import { OutcomeBar } from '../components/OutcomeBar';
import { PageHeading } from '../components/PageHeading';
import { ProblemBox } from '../components/ProblemBox';
import { BatchStatusBadge } from '../components/StatusBadge';
import { Table, numeric, unseen } from '../components/Table';
import { Time } from '../components/Time';
import { formatCount, formatDuration } from '../format';
import { navigate } from '../router';

export function BatchPage({ batchId }: { batchId: string }) {
  const progress = useBatchProgress(batchId);
  const { status } = progress;
  const [rowFilters, setRowFilters] = useState<RowFilters>(ALL_ROWS);

  if (!status) {
    return (
      <section>
        <PageHeading title={`Batch ${batchId}`} />
        {progress.problem ? <ProblemBox problem={progress.problem} /> : <p className="loading">Loading…</p>}
      </section>
    );
  }

  return (
    <section>
      <PageHeading title={`Batch ${status.fileName ?? batchId.slice(0, 8)} · ${status.status}`}>
        Batch <code className="batch-id">{batchId}</code> <BatchStatusBadge status={status} />
      </PageHeading>
      <div className="card">
        <Summary status={status} />
        <ProgressLine status={status} devicesPerSecond={progress.devicesPerSecond} transport={progress.transport} />
        <ProblemBox problem={progress.problem} />
        <BatchActions status={status} onCommanded={progress.restart} />
      </div>
      {status.status === 'PREVIEW' && status.preview && (
        <BatchPreviewPanel preview={previewOf(status)} onDiscarded={() => navigate({ page: 'batches' })} onStarted={progress.restart} />
      )}
      <h2>Results by code</h2>
      <CountersTable status={status} onShowRows={(code) => setRowFilters({ ...ALL_ROWS, code })} />
      <BatchRows
        key={JSON.stringify(rowFilters)}
        batchId={batchId}
        codes={Object.keys(status.countersByCode)}
        filters={rowFilters}
        onFilters={setRowFilters}
        refreshKey={`${status.status}:${status.retries}:${status.progress.done}`}
      />
    </section>
  );
}

function CountersTable({ status, onShowRows }: { status: BatchStatus; onShowRows: (code: string) => void }) {
  const pending = status.countersByStatus.PENDING ?? 0;
  return (
    <Table label="Results by code" className="counters" testId="counters" columns={['code', numeric('devices'), unseen('rows')]}>
      {Object.entries(status.countersByCode)
        .sort(([, a], [, b]) => b - a)
        .map(([code, count]) => (
          <tr key={code} data-code={code}>
            <td>
              <span className={code === 'OK' ? 'code ok' : 'code failed'}>{code}</span>
            </td>
            <td className="num">{formatCount(count)}</td>
            <td>
              <button type="button" className="link-button" onClick={() => onShowRows(code)} aria-label={`show rows with code ${code}`}>
                show rows
              </button>
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
  const workflowName = useWorkflowName(status.workflowId);
  return (
    <dl className="summary">
      <dt>Mode</dt>
      <dd>{status.mode}</dd>
      <dt>Workflow</dt>
      <dd>{status.workflowId ? (workflowName ?? status.workflowId) : '—'}</dd>
      <dt>File</dt>
      <dd>{status.fileName ?? 'sent as a text/csv body (no file name)'}</dd>
      <dt>Created by</dt>
      <dd>{status.createdBy}</dd>
      <dt>Target workspace</dt>
      <dd>{status.targetWorkspaceId}</dd>
      <dt>Rows</dt>
      <dd>
        {formatCount(status.rows.total)} in the file, {formatCount(status.rows.rejected)} refused at upload
      </dd>
      <dt>Created</dt>
      <dd>
        <Time iso={status.timings.createdAt} />
      </dd>
      <dt>Finished</dt>
      <dd>
        <Time iso={status.timings.finishedAt} />
      </dd>
      {status.status !== 'PREVIEW' && (status.schedule || status.failureThreshold) && <BatchSettingsSummary settings={status} />}
      {status.stopReason && (
        <>
          <dt>Stopped</dt>
          <dd>{status.stopReason.message}</dd>
        </>
      )}
      {status.retries > 0 && (
        <>
          <dt>Retries</dt>
          <dd>{status.retries}</dd>
        </>
      )}
    </dl>
  );
}

interface ProgressProps {
  status: BatchStatus;
  devicesPerSecond: number | null;
  transport: string;
}

function ProgressLine({ status, devicesPerSecond, transport }: ProgressProps) {
  const { total, done, pending } = status.progress;
  const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
  const finished = isFinished(status);
  const timeLeft = !finished && devicesPerSecond && devicesPerSecond > 0 ? formatDuration((pending / devicesPerSecond) * 1000) : null;
  return (
    <div className="progress-line" data-testid="batch-progress">
      <OutcomeBar status={status} label="Batch progress" />
      <span>
        <strong>{formatCount(done)}</strong> / {formatCount(total)} done ({percent} %)
      </span>
      <span>{devicesPerSecond === null ? '— devices/s' : `${devicesPerSecond.toFixed(1)} devices/s`}</span>
      {status.nextStartAt && (
        <span data-testid="next-start">
          {status.status === 'SCHEDULED' ? 'starts' : 'working hours resume'} <Time iso={status.nextStartAt} />
        </span>
      )}
      {status.status === 'PAUSED' && <span>paused: no new devices start</span>}
      {timeLeft && <span>about {timeLeft} left</span>}
      {!finished && <span className="muted">elapsed {formatDuration(status.timings.elapsedSeconds * 1000)}</span>}
      <span className={`transport transport-${transport}`} title="how this page follows the batch">
        {transport === 'live' ? '● live' : transport === 'polling' ? '○ polling' : transport === 'connecting' ? '… connecting' : 'final'}
      </span>
      <p className="visually-hidden" aria-live="polite" data-testid="progress-announcement">
        {`Batch ${status.status}: ${Math.floor(percent / 10) * 10} % done`}
      </p>
    </div>
  );
}

/** A previewed batch's status as the preview panel reads it (the upload's 201 answer). */
function previewOf(status: BatchStatus): BatchPreview {
  const { predicted, samples, predictedAt } = status.preview!;
  return { ...status, status: 'PREVIEW', predicted, samples, predictedAt };
}
