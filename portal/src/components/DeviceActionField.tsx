// The device action a bulk upload in mode `action` applies to every device of its file.
const DEVICE_ACTIONS: { action: string; help: string }[] = [
  { action: 'REGISTER', help: 'IDLE → READY_FOR_USE' },
  { action: 'ACTIVATE', help: 'READY_FOR_USE → ACTIVE' },
  { action: 'LOCK', help: 'READY_FOR_USE or ACTIVE → LOCKED' },
  { action: 'UNLOCK', help: 'LOCKED → the state before the lock' },
  { action: 'ENROLL', help: 'IDLE → ENROLLED' },
  { action: 'RELEASE', help: 'any state → RELEASED (final)' },
];

export function DeviceActionField({ action, onChange }: { action: string; onChange: (action: string) => void }) {
  return (
    <label>
      Device action
      <select name="action" value={action} onChange={(e) => onChange(e.target.value)} required>
        <option value="">choose an action</option>
        {DEVICE_ACTIONS.map((a) => (
          <option key={a.action} value={a.action}>
            {a.action} ({a.help})
          </option>
        ))}
      </select>
    </label>
  );
}
