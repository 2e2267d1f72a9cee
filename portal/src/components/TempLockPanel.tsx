// A device's temporary lock: status, directive and a countdown to the unlock, its history; set
// (duration, working hours, notification) or cancel it. While a lock runs it is read again (useTempLock).
import { FormEvent, ReactNode, useState } from 'react';
import { useCancelTempLock, useSetTempLock, useTempLock } from '../api/tempLocks';
import type { Device, TempLockView } from '../api/types';
import { formatClock, formatTime } from '../format';
import { canWrite, useSession } from '../session';
import { useNow } from '../useNow';
import { ProblemBox } from './ProblemBox';
import { StatusBadge } from './StatusBadge';

/** Well under a second, so the clock never lags the real time left by a whole second. */
const COUNTDOWN_TICK_MS = 250;

export function TempLockPanel({ device }: { device: Device }) {
  const writer = canWrite(useSession());
  const { lock, problem } = useTempLock(device);
  const cancel = useCancelTempLock(device);
  return (
    <div className="card" data-testid="temp-lock">
      <h2>Temporary lock</h2>
      {lock ? <LockStatus lock={lock} /> : <p className="muted">This device has no temporary lock.</p>}
      {writer && lock?.running && (
        <button type="button" className="danger" onClick={() => cancel.mutate()}>
          Cancel lock
        </button>
      )}
      {writer && <SetLockForm device={device} />}
      <ProblemBox problem={problem ?? cancel.error} />
    </div>
  );
}

function LockStatus({ lock }: { lock: TempLockView }) {
  const now = useNow(COUNTDOWN_TICK_MS);
  const endsAt = lock.lockEndsAt ? new Date(lock.lockEndsAt).getTime() : null;
  return (
    <>
      <dl className="summary">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={lock.status} /> {lock.running ? '' : '(ended)'}
        </dd>
        <dt>Directive</dt>
        <dd data-testid="directive">{lock.directive}</dd>
        <dt>Duration</dt>
        <dd>
          {lock.durationMinutes ?? '—'} min{lock.workingHours ? ', within working hours' : ''}
        </dd>
        {lock.status === 'ACTIVATED' && endsAt !== null && (
          <Term name="Unlocks in" className="countdown" testId="countdown">
            {formatClock(endsAt - now)} <span className="muted small">(at {formatTime(lock.lockEndsAt)})</span>
          </Term>
        )}
        {(lock.status === 'WAITING' || lock.status === 'ACTIVATING') && (
          <Term name="Waiting for">
            {lock.status === 'WAITING' ? `working hours (from ${formatTime(lock.nextDueAt)})` : "the device's check-in to start the lock"}
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
      <ol className="lock-history">
        {lock.history.map((h) => (
          <li key={h.seq}>
            {formatTime(h.at)} · {h.status}
          </li>
        ))}
      </ol>
    </>
  );
}

/** One entry of the lock's description list. */
function Term({ name, className, testId, children }: { name: string; className?: string; testId?: string; children: ReactNode }) {
  return (
    <>
      <dt>{name}</dt>
      <dd className={className} data-testid={testId}>
        {children}
      </dd>
    </>
  );
}

function SetLockForm({ device }: { device: Device }) {
  const [minutes, setMinutes] = useState('15');
  const [workingHours, setWorkingHours] = useState(false);
  const [text, setText] = useState('');
  const setLock = useSetTempLock(device);

  function submit(event: FormEvent) {
    event.preventDefault();
    setLock.mutate({ durationMinutes: Number(minutes), workingHours, notification: text ? { text } : null });
  }

  return (
    <form className="inline-form set-lock" onSubmit={submit} data-testid="set-lock">
      <label>
        Minutes
        <input
          name="durationMinutes"
          type="number"
          min={1}
          step={1}
          value={minutes}
          onChange={(e) => setMinutes(e.target.value)}
          required
        />
      </label>
      <label className="checkbox">
        <input type="checkbox" name="workingHours" checked={workingHours} onChange={(e) => setWorkingHours(e.target.checked)} />
        only within working hours
      </label>
      <label>
        Notification
        <input name="notification" value={text} onChange={(e) => setText(e.target.value)} placeholder="shown on the device" />
      </label>
      <button type="submit" disabled={setLock.isPending}>
        {setLock.isPending ? 'Setting…' : 'Set lock'}
      </button>
      <ProblemBox problem={setLock.error} />
    </form>
  );
}
