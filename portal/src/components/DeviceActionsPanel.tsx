// The device's allowed state actions as buttons, with a note recorded in its history. An action that cannot be
// undone by another action (RELEASE) or cuts the device off (LOCK) asks to be confirmed first.
import { useState } from 'react';
import { useDeviceAction } from '../api/deviceActions';
import type { Device } from '../api/types';
import { ProblemBox } from './ProblemBox';

const needsConfirmation: Record<string, string> = {
  RELEASE: 'Releasing ends the device’s lifecycle here: no action leads out of RELEASED.',
  LOCK: 'Locking stops the device from being used until it is unlocked.',
};

export function DeviceActionsPanel({ device }: { device: Device }) {
  const [note, setNote] = useState('');
  const [confirming, setConfirming] = useState<string | null>(null);
  const apply = useDeviceAction(device);

  function run(action: string) {
    if (needsConfirmation[action] && confirming !== action) return setConfirming(action);
    setConfirming(null);
    apply.mutate({ action, note }, { onSuccess: () => setNote('') });
  }

  return (
    <div className="card" data-testid="device-actions">
      <h2>State actions</h2>
      {device.allowedActions.length === 0 ? (
        <p className="muted">No action leads out of {device.state}.</p>
      ) : (
        <>
          <label>
            Note (kept in the device’s history)
            <input name="note" value={note} maxLength={1000} onChange={(e) => setNote(e.target.value)} />
          </label>
          <div className="inline-form" role="group" aria-label="Allowed actions">
            {device.allowedActions.map((action) => (
              <button key={action} type="button" disabled={apply.isPending} onClick={() => run(action)}>
                {action}
              </button>
            ))}
          </div>
        </>
      )}
      {confirming && (
        <div role="alertdialog" aria-label={`Confirm ${confirming}`} className="notice">
          <p>{needsConfirmation[confirming]}</p>
          <button type="button" className="danger" autoFocus onClick={() => run(confirming)}>
            Confirm {confirming}
          </button>{' '}
          <button type="button" onClick={() => setConfirming(null)}>
            Keep the device {device.state}
          </button>
        </div>
      )}
      {apply.isSuccess && (
        <p className="notice" role="status">
          {apply.data.previousState} → {apply.data.state}
        </p>
      )}
      <ProblemBox problem={apply.error} />
    </div>
  );
}
