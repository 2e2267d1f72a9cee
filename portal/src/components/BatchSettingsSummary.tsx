// A batch's schedule and failure limit as terms of a summary list: when it starts, whether only in working hours,
// and after how many failed devices it stops. On the preview before Start, and on the batch's page.
import type { BatchPreview } from '../api/types';
import { Time } from './Time';

type Settings = Pick<BatchPreview, 'schedule' | 'failureThreshold' | 'targetWorkspaceId'>;

export function BatchSettingsSummary({ settings }: { settings: Settings }) {
  const { schedule, failureThreshold, targetWorkspaceId } = settings;
  const { maxFailures = null, maxFailurePercent = null } = failureThreshold ?? {};
  return (
    <>
      <dt>Starts</dt>
      <dd data-testid="settings-start">{schedule?.startAt ? <Time iso={schedule.startAt} /> : 'when started'}</dd>
      <dt>Working hours</dt>
      <dd data-testid="settings-working-hours">
        {schedule?.withinWorkingHours ? `devices start only inside ${targetWorkspaceId}'s working hours` : 'any time'}
      </dd>
      <dt>Failure limit</dt>
      <dd data-testid="settings-failure-limit">
        {maxFailures === null && maxFailurePercent === null
          ? 'none'
          : [
              maxFailures !== null ? `stops after more than ${maxFailures} failed devices` : null,
              maxFailurePercent !== null ? `stops after more than ${maxFailurePercent} % failed` : null,
            ]
              .filter(Boolean)
              .join(', or ')}
      </dd>
    </>
  );
}
