// Pause (no new device starts; those running finish) and resume of a batch that has started and not
// ended, each confirmed in a dialog naming how many devices wait.
import type { BatchStatus } from '../api/types';
import { formatCount } from '../format';
import { ConfirmButton } from './ConfirmButton';

const PAUSABLE = ['RUNNING', 'SCHEDULED', 'WAITING_FOR_WORKING_HOURS'];

interface Props {
  status: BatchStatus;
  disabled: boolean;
  onConfirm(command: 'pause' | 'resume', idempotencyKey: string): void;
}

export function PauseResumeButton({ status, disabled, onConfirm }: Props) {
  const paused = status.status === 'PAUSED';
  if (!paused && !PAUSABLE.includes(status.status)) return null;
  const pending = formatCount(status.countersByStatus.PENDING ?? 0);
  const [command, label] = paused ? (['resume', 'Resume batch'] as const) : (['pause', 'Pause batch'] as const);
  return (
    <ConfirmButton
      label={label}
      question={`${label.replace(' batch', '')} this batch?`}
      confirmLabel={label}
      disabled={disabled}
      onConfirm={(key) => onConfirm(command, key)}
    >
      {paused ? (
        <p>The {pending} devices not yet done start again, as many at once as before the pause.</p>
      ) : (
        <p>
          No new device starts: the {pending} devices not yet done wait until you resume. Devices already running finish and keep their
          result; a paused batch can still be cancelled.
        </p>
      )}
    </ConfirmButton>
  );
}
