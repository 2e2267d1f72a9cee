// Who did what (SPEC §9): the actor and channel a device milestone is recorded with, and the ones a milestone
// without them is read with (its source implies them: a batch's rows, a temp lock's steps, the system).
import type { HistorySource } from './store';

export type HistoryChannel = 'API' | 'PORTAL' | 'BATCH' | 'TEMP_LOCK';

export type Actor = { type: 'api_key'; name: string; role: string } | { type: 'batch'; name: string } | { type: 'system'; name: 'system' };

const systemActor: Actor = { type: 'system', name: 'system' };

export function apiKeyActor(caller: { userId: string; role: string }): Actor {
  return { type: 'api_key', name: caller.userId, role: caller.role };
}

function batchActor(batchId: string): Actor {
  return { type: 'batch', name: `batch ${batchId}` };
}

/** What a milestone says of who and how when it names neither: what its source implies. */
export function impliedAttribution(
  source: HistorySource,
  batchId: string | null,
  requestedBy: unknown,
): { actor: Actor; channel: HistoryChannel | null } {
  if (source === 'BATCH' && batchId) return { actor: batchActor(batchId), channel: 'BATCH' };
  if (source === 'TEMP_LOCK') return { actor: systemActor, channel: 'TEMP_LOCK' };
  if (source === 'API' && typeof requestedBy === 'string')
    return { actor: { type: 'api_key', name: requestedBy, role: 'operator' }, channel: 'API' };
  return { actor: systemActor, channel: source === 'API' ? 'API' : null };
}
