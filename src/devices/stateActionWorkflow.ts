// The workflow of a LOCK or UNLOCK by hand (POST /v1/devices/:uid/actions): the API starts it with the action as
// an update (update-with-start), so the caller is answered as soon as the state and its history row are written,
// and the device is then told through the gateway, durably: once the workflow exists, the command follows
// whatever stops meanwhile (the API, the worker, the gateway). A repeated Idempotency-Key reaches the same
// workflow, whose update answers the first outcome again.
import { condition, log, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import { applyStateActionUpdate } from './contract';
import { DeviceCommandOutcome, sendDeviceCommand } from './deviceCommand';
import type { CommandTarget, DeviceCommandActivities } from './deviceCommandActivities';
import type { ActionDevice, StateActionApplication, StateActionOutcome, StateActionRefusal } from './stateActions';

export interface StateActionRunInput {
  device: ActionDevice;
  target: CommandTarget;
  application: StateActionApplication;
}

type StateActionAnswer = StateActionOutcome | StateActionRefusal;

const { applyDeviceStateAction } = proxyLocalActivities<DeviceCommandActivities>({
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: '1 minute',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '5 seconds' },
});

/** How long a run started without its update waits for it. */
const UPDATE_WAIT = '1 minute';

export async function deviceStateAction(input: StateActionRunInput): Promise<DeviceCommandOutcome | null> {
  let applying: Promise<StateActionAnswer> | undefined;
  let answer: StateActionAnswer | undefined;
  setHandler(applyStateActionUpdate, () => (applying ??= apply(input).then((a) => (answer = a))));
  if (!(await condition(() => answer !== undefined, UPDATE_WAIT)) || !answer || 'refused' in answer) return null;
  const { action } = input.application;
  if (action !== 'LOCK' && action !== 'UNLOCK') return null;
  const outcome = await sendDeviceCommand(input.target, action, `state-action-${answer.historyEntryId}`);
  if (!outcome.sent) log.warn('the gateway did not take a state action', { deviceUid: input.device.uid, ...outcome });
  return outcome;
}

async function apply({ device, application }: StateActionRunInput): Promise<StateActionAnswer> {
  try {
    return await applyDeviceStateAction(device, application);
  } catch (err) {
    log.warn('a state action could not be applied', { deviceUid: device.uid, error: err instanceof Error ? err.message : String(err) });
    return {
      refused: {
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
        message: `device ${device.uid}: ${application.action} could not be applied, the database did not answer; send it again (with the same Idempotency-Key)`,
        details: { deviceUid: device.uid, action: application.action },
      },
    };
  }
}
