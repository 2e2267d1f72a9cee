// Sets a temporary lock on a device: duration, within working hours or not, and a notification shown on it.
import { FormEvent, useState } from 'react';
import { useSetTempLock } from '../api/tempLocks';
import type { Device } from '../api/types';
import { ProblemBox } from './ProblemBox';

export function SetLockForm({ device }: { device: Device }) {
  const [minutes, setMinutes] = useState('15');
  const [workingHours, setWorkingHours] = useState(false);
  const [text, setText] = useState('');
  const setLock = useSetTempLock(device);

  function submit(event: FormEvent) {
    event.preventDefault();
    const request = { durationMinutes: Number(minutes), workingHours, notification: text ? { text } : null };
    setLock.mutate({ request, idempotencyKey: crypto.randomUUID() });
  }

  return (
    <form className="inline-form set-lock" onSubmit={submit} data-testid="set-lock" aria-label="Set a temporary lock">
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
      <ProblemBox problem={setLock.error} focus />
    </form>
  );
}
