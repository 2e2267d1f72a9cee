// The bulk page's schedule and failure limit (SPEC §9, bulk safety): when the batch may start its devices (startAt,
// read in the zone the portal shows times in, which the label names), whether only inside the target workspace's
// working hours, and after how many failed devices it stops.
import { useId } from 'react';
import { Checkbox } from './Checkbox';

export interface ScheduleDraft {
  /** The datetime-local value ('' for: when started), a wall time in `timeZone`. */
  startAtWall: string;
  withinWorkingHours: boolean;
  /** '' for no limit. */
  maxFailures: string;
}

interface Props {
  draft: ScheduleDraft;
  onChange(patch: Partial<ScheduleDraft>): void;
  /** The zone the start time is read in (the tenant's working-hours zone, else UTC). */
  timeZone: string;
  targetWorkspaceId: string;
}

export function BatchScheduleFields({ draft, onChange, timeZone, targetWorkspaceId }: Props) {
  const startHelp = useId();
  const hoursHelp = useId();
  const failuresHelp = useId();
  return (
    <fieldset data-testid="schedule-fields">
      <legend>Schedule and failure limit</legend>
      <label>
        Start at ({timeZone})
        <input
          type="datetime-local"
          name="startAt"
          step={1}
          value={draft.startAtWall}
          onChange={(e) => onChange({ startAtWall: e.target.value })}
          aria-describedby={startHelp}
        />
      </label>
      <p className="hint" id={startHelp}>
        Empty: devices start as soon as you start the batch. Otherwise none starts before this time, read in {timeZone}; until then the
        batch is SCHEDULED.
      </p>
      <Checkbox
        name="withinWorkingHours"
        checked={draft.withinWorkingHours}
        onChange={(withinWorkingHours) => onChange({ withinWorkingHours })}
        describedBy={hoursHelp}
      >
        Only within working hours
      </Checkbox>
      <p className="hint" id={hoursHelp}>
        Devices start only inside the working hours of {targetWorkspaceId}, the target workspace (its calendar, or the one it inherits; a
        workspace without one counts as always working). Outside them the batch waits as WAITING_FOR_WORKING_HOURS: devices already running
        finish, the rest start when the next window opens.
      </p>
      <label>
        Stop after more than this many failed devices
        <input
          type="number"
          name="maxFailures"
          min={0}
          step={1}
          inputMode="numeric"
          value={draft.maxFailures}
          onChange={(e) => onChange({ maxFailures: e.target.value })}
          aria-describedby={failuresHelp}
        />
      </label>
      <p className="hint" id={failuresHelp}>
        Empty: no limit. With a limit, the batch starts 5 devices at once and widens while failures stay within it; past it, no more devices
        start, those still running are cancelled and the batch ends FAILED.
      </p>
    </fieldset>
  );
}
