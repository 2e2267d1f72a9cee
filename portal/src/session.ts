// The signed-in API key and who it belongs to. The key lives in sessionStorage: it is gone when the
// browser tab closes, and it is only ever sent in the X-API-Key header.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext } from 'react';
import { sessionOf } from './api/me';
import type { Me } from './api/types';

const STORAGE_KEY = 'device-orchestrator.apiKey';
const SESSION_QUERY_KEY = ['session'];

export interface Session {
  key: string;
  me: Me;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

/** Only operator keys may change anything; read-only keys see no write controls at all. */
export function canWrite(session: Session): boolean {
  return session.me.role === 'operator';
}

/** The tab's session: restored from the stored key at start (while `restoring`), replaced by signing in or out. */
export function useSignedInSession() {
  const queryClient = useQueryClient();
  const restored = useQuery({
    queryKey: SESSION_QUERY_KEY,
    queryFn: restoreSession,
    // With no stored key there is nothing to restore, and nothing to wait for.
    initialData: () => (sessionStorage.getItem(STORAGE_KEY) ? undefined : null),
    staleTime: Infinity,
    retry: false,
  });
  const replace = useCallback(
    (session: Session | null) => {
      // Another key may see other tenants: nothing read with the last one is kept.
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== SESSION_QUERY_KEY[0] });
      queryClient.setQueryData(SESSION_QUERY_KEY, session);
    },
    [queryClient],
  );
  const signIn = useCallback(
    (session: Session) => {
      sessionStorage.setItem(STORAGE_KEY, session.key);
      replace(session);
    },
    [replace],
  );
  const signOut = useCallback(() => {
    sessionStorage.removeItem(STORAGE_KEY);
    replace(null);
  }, [replace]);
  return { restoring: restored.isPending, session: restored.data ?? null, signIn, signOut };
}

/** The stored key's session; a key the API no longer accepts is forgotten. */
async function restoreSession(): Promise<Session | null> {
  const key = sessionStorage.getItem(STORAGE_KEY);
  if (!key) return null;
  try {
    return await sessionOf(key);
  } catch {
    sessionStorage.removeItem(STORAGE_KEY);
    return null;
  }
}
