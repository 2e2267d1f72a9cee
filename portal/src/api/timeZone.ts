// The zone the portal shows times in: the signed-in tenant's working-hours zone where it has a calendar
// (its own or inherited), else UTC. It is never guessed from the browser.
import { useSession } from '../session';
import { useWorkingHours } from './workingHours';

const FALLBACK_TIME_ZONE = 'UTC';

export function useDisplayTimeZone(): string {
  const { me } = useSession();
  const calendar = useWorkingHours(me.tenantId);
  return calendar.data?.timeZone ?? FALLBACK_TIME_ZONE;
}
