// A batch's commands: the results CSV for everyone; for operators, pause or resume and cancel while it
// has not finished, and retry once it finished with rows a retry can change, each confirmed in a dialog naming how many devices
// it touches. The notice after a command follows the batch's state and ends with it.
import { BatchCommand, BatchCommandAnswer, useBatchCommand, useResultsDownload } from '../api/batches';
import type { BatchStatus } from '../api/types';
import { isFinishedStatus } from '../batchOutcome';
import { formatCount } from '../format';
import { canWrite, useSession } from '../session';
import { ConfirmButton } from './ConfirmButton';
import { PauseResumeButton } from './PauseResumeButton';
import { Notice } from './Notice';
import { ProblemBox } from './ProblemBox';

/** Rows refused at upload: no retry can change them (the API leaves them alone). */
const UPLOAD_REJECTION_CODES = ['INVALID_DEVICE_UID', 'DUPLICATE_IN_FILE'];

function retryableRows(status: BatchStatus): number {
  const rejected = UPLOAD_REJECTION_CODES.reduce((sum, code) => sum + (status.countersByCode[code] ?? 0), 0);
  return Math.max(0, (status.countersByStatus.FAILED ?? 0) - rejected);
}

export function BatchActions({ status, onCommanded }: { status: BatchStatus; onCommanded: () => void }) {
  const writer = canWrite(useSession());
  const command = useBatchCommand(status.batchId);
  const download = useResultsDownload(status.batchId);
  const run = (name: BatchCommand, idempotencyKey: string) => command.mutate({ command: name, idempotencyKey }, { onSuccess: onCommanded });
  const finished = isFinishedStatus(status.status);
  const pending = status.countersByStatus.PENDING ?? 0;
  const retryable = retryableRows(status);
  return (
    <>
      <div className="actions">
        <button type="button" onClick={() => download.mutate()}>
          Download results CSV
        </button>
        {writer && !finished && status.status !== 'PREVIEW' && (
          <PauseResumeButton status={status} disabled={command.isPending} onConfirm={run} />
        )}
        {writer && !finished && status.status !== 'PREVIEW' && (
          <ConfirmButton
            label="Cancel batch"
            question="Cancel this batch?"
            confirmLabel="Cancel batch"
            danger
            disabled={command.isPending || (command.isSuccess && command.variables.command === 'cancel')}
            onConfirm={(key) => run('cancel', key)}
          >
            <p>
              No new device starts: the {formatCount(pending)} devices not yet done end CANCELLED. Devices already done keep their result.
            </p>
          </ConfirmButton>
        )}
        {writer && finished && retryable > 0 && (
          <ConfirmButton
            label="Retry failed devices"
            question="Retry the failed devices?"
            confirmLabel={`Retry ${formatCount(retryable)} devices`}
            disabled={command.isPending}
            onConfirm={(key) => run('retry', key)}
          >
            <p>
              The {formatCount(retryable)} failed devices run again with the same workflow; the batch is RUNNING until they are done. Rows
              refused at upload stay as they are.
            </p>
          </ConfirmButton>
        )}
        <a href={status.links.temporalUi} target="_blank" rel="noreferrer noopener">
          Open in Temporal Web UI ↗<span className="visually-hidden"> (opens in a new tab)</span>
        </a>
      </div>
      {command.isSuccess && <Notice text={commandNotice(command.variables.command, command.data, status)} testId="command-notice" />}
      <ProblemBox problem={command.error ?? download.error} focus />
    </>
  );
}

/** What the command did so far, from the batch's current state. */
function commandNotice(command: BatchCommand, answer: BatchCommandAnswer, status: BatchStatus): string {
  const finished = isFinishedStatus(status.status);
  if (command === 'pause') return status.status === 'PAUSED' ? 'Paused: no new devices start until you resume.' : 'Pausing…';
  if (command === 'resume') return status.status === 'PAUSED' ? 'Resuming…' : `Resumed: the batch is ${status.status}.`;
  if (command === 'cancel') {
    if (!finished) return 'Cancelling: no new devices start; the rest end CANCELLED.';
    return `Batch ended ${status.status}: ${formatCount(status.countersByStatus.CANCELLED ?? 0)} devices cancelled.`;
  }
  const attempt = answer.retry ?? status.retries;
  if (!finished || status.retries < attempt) return `Retrying ${formatCount(answer.devices ?? 0)} failed devices…`;
  return `Retry ${attempt} ended ${status.status}: ${formatCount(status.countersByStatus.FAILED ?? 0)} devices still failed.`;
}
