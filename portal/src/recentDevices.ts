// The devices opened in this tab, newest first, per tenant: the Devices page offers them again, so an
// operator does not retype a 15-digit UID. Kept in sessionStorage, gone with the tab like the key.
import { useCallback, useState } from 'react';

const MAX_RECENT = 8;
const storageKey = (tenantId: string) => `device-orchestrator.recentDevices.${tenantId}`;

function readRecent(tenantId: string): string[] {
  try {
    const stored: unknown = JSON.parse(sessionStorage.getItem(storageKey(tenantId)) ?? '[]');
    return Array.isArray(stored) ? stored.filter((uid): uid is string => typeof uid === 'string') : [];
  } catch {
    return [];
  }
}

export function useRecentDevices(tenantId: string) {
  const [recent, setRecent] = useState(() => readRecent(tenantId));
  const remember = useCallback(
    (uid: string) => {
      const next = [uid, ...readRecent(tenantId).filter((seen) => seen !== uid)].slice(0, MAX_RECENT);
      sessionStorage.setItem(storageKey(tenantId), JSON.stringify(next));
      setRecent(next);
    },
    [tenantId],
  );
  return { recent, remember };
}
