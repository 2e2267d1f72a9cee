// The signed-in API key and who it belongs to. The key lives in sessionStorage: it is gone when the
// browser tab closes, and it is only ever sent in the X-API-Key header.
import { createContext, useContext } from 'react';
import type { Me } from './api/types';

const STORAGE_KEY = 'device-orchestrator.apiKey';

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

export function storedKey(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function storeKey(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
