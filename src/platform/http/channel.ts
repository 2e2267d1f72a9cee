// The channel a request came through, for the record of who did what (SPEC §9): the portal says so in the
// X-Client-Channel header (PORTAL); any other request is API. Only PORTAL is accepted from the caller: BATCH and
// TEMP_LOCK are the product's own channels.
import type { Request } from 'express';
import { ProblemError } from './problem';

const CLIENT_CHANNEL_HEADER = 'X-Client-Channel';
export type ClientChannel = 'API' | 'PORTAL';

export function clientChannelOf(req: Request): ClientChannel {
  const named = req.get(CLIENT_CHANNEL_HEADER)?.trim().toUpperCase();
  if (!named || named === 'API') return 'API';
  if (named === 'PORTAL') return 'PORTAL';
  throw new ProblemError(400, 'VALIDATION_FAILED', `${CLIENT_CHANNEL_HEADER} must be API or PORTAL, not "${named}"`);
}
