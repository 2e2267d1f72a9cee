// Whose a key is (GET /v1/me): signing in, and restoring the tab's session after a reload.
import { useMutation } from '@tanstack/react-query';
import type { Session } from '../session';
import { ApiProblem, apiJson } from './client';
import type { Me } from './types';

/** The key's session; a device-gateway key only relays check-ins and is refused here. */
export async function sessionOf(key: string): Promise<Session> {
  const me = await apiJson<Me>(key, '/v1/me');
  if (me.role === 'device_gateway') {
    throw new ApiProblem(
      403,
      'FORBIDDEN',
      `this is a device-gateway key of tenant ${me.tenantId}: it only relays device check-ins and cannot sign in; use an operator or read-only key`,
    );
  }
  return { key, me };
}

export function useSignIn(onSignedIn: (session: Session) => void) {
  return useMutation({ mutationFn: (key: string) => sessionOf(key.trim()), onSuccess: onSignedIn });
}
