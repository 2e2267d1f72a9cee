// An instant as operators read it: in the tenant's zone (or UTC), the zone named, and on hover the
// viewer's own local time.
import { useDisplayTimeZone } from '../api/timeZone';
import { formatTimeIn, formatViewerTime } from '../format';

export function Time({ iso }: { iso: string | null | undefined }) {
  const timeZone = useDisplayTimeZone();
  if (!iso) return <>—</>;
  return (
    <time dateTime={iso} title={`your time: ${formatViewerTime(iso)}`}>
      {formatTimeIn(iso, timeZone)}
    </time>
  );
}
