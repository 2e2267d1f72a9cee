// A device's temporary lock: what it is doing in words from its real state, the device's last check-in,
// a countdown to the unlock and its history (kept in view after it ended); cancel it (confirmed first), or
// set one where none runs. While a lock runs it is read again (useTempLock).
import { ReactNode, useEffect, useRef } from 'react';
import { useCancelTempLock, useTempLock } from '../api/tempLocks';
import type { Device, TempLockView } from '../api/types';
import { formatClock } from '../format';
import { canWrite, useSession } from '../session';
import { useNow } from '../useNow';
import { ConfirmButton } from './ConfirmButton';
import { Notice } from './Notice';
import { ProblemBox } from './ProblemBox';
import { SetLockForm } from './SetLockForm';
import { StatusBadge } from './StatusBadge';
import { Time } from './Time';

/** Well under a second, so the clock never lags the real time left by a whole second. */
const COUNTDOWN_TICK_MS = 250;

export function TempLockPanel({ device, everLocked }: { device: Device; everLocked: boolean }) {
  const writer = canWrite(useSession());
  const { lock, problem } = useTempLock(device, everLocked);
  const cancel = useCancelTempLock(device);
  // Setting a lock replaces the form by the lock's status, and the focus it had would fall to the page's
  // body: it goes to the panel's heading above the status instead.
  const heading = useRef<HTMLHeadingElement>(null);
  const running = lock?.running ?? false;
  useEffect(() => {
    if (running && document.activeElement === document.body) heading.current?.focus();
  }, [running]);
  return (
    <div className="card" data-testid="temp-lock">
      <h2 tabIndex={-1} ref={heading}>
        Temporary lock
      </h2>
      {lock ? <LockStatus lock={lock} /> : <p className="muted">This device has never had a temporary lock.</p>}
      {writer && lock?.running && (
        <ConfirmButton
          label="Cancel lock"
          question="Cancel this temporary lock?"
          confirmLabel="Cancel lock"
          danger
          disabled={cancel.isPending}
          onConfirm={(idempotencyKey) => cancel.mutate(idempotencyKey)}
        >
          <p>
            1 device (<code>{device.uid}</code>) is unlocked at its next check-in
            {lock.status === 'ACTIVATED' ? ' before the lock runs out' : ''}.
          </p>
        </ConfirmButton>
      )}
      {cancel.isSuccess && <Notice text={lock?.running ? 'Cancelling the lock…' : `The lock ended ${lock?.status ?? ''}.`} />}
      {writer && !lock?.running && <SetLockForm device={device} />}
      <ProblemBox problem={problem ?? cancel.error} focus={cancel.isError} />
    </div>
  );
}

/** What the lock is doing now, in words. */
function stateWords(lock: TempLockView): string {
  switch (lock.status) {
    case 'WAITING':
      return lock.workingHours ? 'Waiting for working hours to start the lock' : 'Starting: the lock command is being prepared';
    case 'ACTIVATING':
      return "Waiting for the device's check-in to start the lock";
    case 'ACTIVATED':
      return 'Locked';
    case 'DEACTIVATING':
      return 'Unlocking: waiting for the device to confirm';
    case 'DEACTIVATED':
      return 'Ended: the device was locked and is unlocked again';
    case 'CANCELLED':
      return 'Cancelled';
    case 'FAILED':
      return 'Failed';
  }
}

function LockStatus({ lock }: { lock: TempLockView }) {
  const now = useNow(COUNTDOWN_TICK_MS);
  const endsAt = lock.lockEndsAt ? new Date(lock.lockEndsAt).getTime() : null;
  return (
    <>
      <dl className="summary">
        <Term name="Status" live>
          <StatusBadge status={lock.status} /> <span data-testid="lock-words">{stateWords(lock)}</span>
          {lock.running ? '' : ' (ended)'}
        </Term>
        <Term name="Directive" testId="directive">
          {lock.directive}
        </Term>
        <Term name="Duration">
          {lock.durationMinutes ?? '—'} min{lock.workingHours ? ', within working hours' : ''}
        </Term>
        <Term name="Notification" testId="lock-notification">
          {notificationWords(lock.notification) ?? <span className="muted">none</span>}
        </Term>
        <Term name="Last check-in" testId="last-check-in">
          {lock.checkedInAt ? <Time iso={lock.checkedInAt} /> : 'none since the lock was set'}
        </Term>
        {lock.status === 'WAITING' && lock.workingHours && lock.nextDueAt && (
          <Term name="Starts at">
            <Time iso={lock.nextDueAt} />
          </Term>
        )}
        {lock.status === 'ACTIVATED' && endsAt !== null && (
          <Term name="Unlocks in" className="countdown" testId="countdown">
            {formatClock(endsAt - now)}{' '}
            <span className="muted small">
              (at <Time iso={lock.lockEndsAt} />)
            </span>
          </Term>
        )}
        {lock.cancelReason && <Term name="Cancelled">{lock.cancelReason}</Term>}
        {lock.failureReason && (
          <Term name="Failed" testId="failure-reason">
            {lock.failureReason} — the device-control gateway refused the command; check the device there, then set a new lock.
          </Term>
        )}
        {lock.note && <Term name="Note">{lock.note}</Term>}
      </dl>
      <LockHistory lock={lock} />
    </>
  );
}

function LockHistory({ lock }: { lock: TempLockView }) {
  return (
    <>
      <h3 className="small-heading">History of this lock</h3>
      <ol className="lock-history" data-testid="lock-history">
        {lock.history.map((h) => (
          <li key={h.seq}>
            <Time iso={h.at} /> · {h.status}
          </li>
        ))}
      </ol>
    </>
  );
}

/** The notification the lock shows on the device: its text as the portal sets it, any other JSON as sent. */
function notificationWords(notification: unknown): string | null {
  if (notification === null || notification === undefined) return null;
  const text = (notification as { text?: unknown }).text;
  return typeof text === 'string' ? text : JSON.stringify(notification);
}

interface TermProps {
  name: string;
  className?: string;
  testId?: string;
  /** Announced to screen readers when it changes. */
  live?: boolean;
  children: ReactNode;
}

/** One entry of the lock's description list. */
function Term({ name, className, testId, live = false, children }: TermProps) {
  return (
    <>
      <dt>{name}</dt>
      <dd className={className} data-testid={testId} aria-live={live ? 'polite' : undefined}>
        {children}
      </dd>
    </>
  );
}
