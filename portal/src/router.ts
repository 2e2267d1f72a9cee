// Hash routing (#/batches/<id>): the API serves one index.html at `/`, and a route is a pure function
// of location.hash, so no router library is needed.
import { useEffect, useState } from 'react';

export type Route =
  | { page: 'batches' }
  | { page: 'bulk' }
  | { page: 'batch'; batchId: string }
  /** `tenantId`: the workspace the device is in, where the link knows it (a UID may be in two workspaces). */
  | { page: 'device'; uid: string | null; tenantId?: string | null }
  | { page: 'working-hours' }
  | { page: 'webhooks' }
  | { page: 'not-found'; path: string };

function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/^\/+|\/+$/g, '');
  const [first, second, third] = path.split('/').map((part) => decodeURIComponent(part));
  if (path === '' || (first === 'batches' && !second)) return { page: 'batches' };
  if (first === 'batches' && second) return { page: 'batch', batchId: second };
  if (first === 'bulk') return { page: 'bulk' };
  if (first === 'devices') return { page: 'device', uid: second || null, tenantId: (second && third) || null };
  if (first === 'working-hours') return { page: 'working-hours' };
  if (first === 'webhooks') return { page: 'webhooks' };
  return { page: 'not-found', path };
}

export function href(route: Route): string {
  switch (route.page) {
    case 'batches':
      return '#/batches';
    case 'bulk':
      return '#/bulk';
    case 'batch':
      return `#/batches/${encodeURIComponent(route.batchId)}`;
    case 'device':
      if (!route.uid) return '#/devices';
      return `#/devices/${encodeURIComponent(route.uid)}${route.tenantId ? `/${encodeURIComponent(route.tenantId)}` : ''}`;
    case 'working-hours':
      return '#/working-hours';
    case 'webhooks':
      return '#/webhooks';
    case 'not-found':
      return `#/${route.path}`;
  }
}

export function navigate(route: Route): void {
  window.location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
