// The gradual window of a batch with a failure threshold (SPEC §9 "Bulk safety"): the parent starts
// FIRST_WINDOW children at once, and each time as many devices as the current width have been decided
// while the batch stays within its threshold, the width doubles, up to the configured window. A batch
// that goes wrong from its first devices so changes at most its threshold plus a small window of
// devices before the parent stops it and cancels the children still running. Pure: the BatchAssign
// workflow carries the ramp across continue-as-new.
import type { FailureThreshold } from './failureThreshold';

/** How many children a batch with a threshold runs at once before any of its devices has been decided. */
const FIRST_WINDOW = 5;

export interface WindowRamp {
  /** How many children may run at once now. */
  width: number;
  /** Devices decided since the width last changed. */
  decidedAtWidth: number;
}

/**
 * A batch without a threshold opens at full width: no rule would act on its early failures, so a
 * slow start would only delay it (its brakes are cancel and pause, bounded by the window anyway).
 */
export function openingRamp(threshold: FailureThreshold | null | undefined, windowSize: number): WindowRamp {
  return { width: threshold ? Math.min(FIRST_WINDOW, windowSize) : windowSize, decidedAtWidth: 0 };
}

/** The ramp after one more device was decided; `withinThreshold` false once the batch must stop. */
export function rampAfterDecision(ramp: WindowRamp, windowSize: number, withinThreshold: boolean): WindowRamp {
  if (ramp.width >= windowSize || !withinThreshold) return ramp;
  const decidedAtWidth = ramp.decidedAtWidth + 1;
  if (decidedAtWidth < ramp.width) return { width: ramp.width, decidedAtWidth };
  return { width: Math.min(ramp.width * 2, windowSize), decidedAtWidth: 0 };
}
