// Tolerated failures of a batch (the upload's maxFailures / maxFailurePercent): when a batch has
// clearly gone wrong it stops starting devices. Judged on the devices a run of the batch processed
// (rows rejected at upload and cancelled rows do not count; a retry is judged afresh). Pure: the
// BatchAssign workflow and the API use it.

export interface FailureThreshold {
  /** Stop once more than this many rows have failed. */
  maxFailures: number | null;
  /** Stop once more than this share (0-100) of the processed rows have failed, judged from MIN_SAMPLE rows on. */
  maxFailurePercent: number | null;
}

/** A percentage is judged only once this many rows have been processed: three failures of the first five are no trend. */
export const FAILURE_PERCENT_MIN_SAMPLE = 100;

export interface StopReason {
  threshold: 'maxFailures' | 'maxFailurePercent';
  limit: number;
  failed: number;
  processed: number;
  message: string;
}

/** Why the batch must stop, or null while it is within its threshold. */
export function exceededThreshold(
  threshold: FailureThreshold | null | undefined,
  counts: { processed: number; failed: number },
): StopReason | null {
  if (!threshold) return null;
  const { processed, failed } = counts;
  const stop = (kind: StopReason['threshold'], limit: number, rule: string): StopReason => ({
    threshold: kind,
    limit,
    failed,
    processed,
    message: `stopped: ${failed} of ${processed} processed devices failed, more than ${rule}`,
  });
  if (threshold.maxFailures !== null && failed > threshold.maxFailures) {
    return stop('maxFailures', threshold.maxFailures, `maxFailures=${threshold.maxFailures}`);
  }
  if (
    threshold.maxFailurePercent !== null &&
    processed >= FAILURE_PERCENT_MIN_SAMPLE &&
    failed * 100 > threshold.maxFailurePercent * processed
  ) {
    return stop(
      'maxFailurePercent',
      threshold.maxFailurePercent,
      `maxFailurePercent=${threshold.maxFailurePercent} (judged from ${FAILURE_PERCENT_MIN_SAMPLE} processed rows on)`,
    );
  }
  return null;
}

/** The upload's parameters as a threshold; a message naming the parameter when one is malformed. */
export function parseFailureThreshold(params: { maxFailures?: string; maxFailurePercent?: string }): FailureThreshold | null | string {
  const maxFailures = params.maxFailures ?? '';
  const maxFailurePercent = params.maxFailurePercent ?? '';
  if (maxFailures === '' && maxFailurePercent === '') return null;
  if (maxFailures !== '' && !/^\d{1,9}$/.test(maxFailures)) return 'maxFailures must be a whole number of devices (0 or more)';
  if (maxFailurePercent !== '' && !(/^\d{1,3}(\.\d{1,2})?$/.test(maxFailurePercent) && Number(maxFailurePercent) <= 100)) {
    return 'maxFailurePercent must be a number from 0 to 100';
  }
  return {
    maxFailures: maxFailures === '' ? null : Number(maxFailures),
    maxFailurePercent: maxFailurePercent === '' ? null : Number(maxFailurePercent),
  };
}
