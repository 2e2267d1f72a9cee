// The one way a component reaches the API: TanStack Query hooks over apiJson with the signed-in key.
// Loading, problem+json errors, retries (never of a refusal) and refetching are decided here, once.
import { QueryClient, QueryKey, UseQueryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSession } from '../session';
import { ApiProblem, apiJson } from './client';

/** Most of what the portal shows changes while an operator looks at it: a few seconds old is old. */
const STALE_MS = 5_000;
const MAX_RETRIES = 2;

/** A 4xx answer is the API refusing the request: asking again gets the same answer. */
function isRefusal(error: Error): boolean {
  return error instanceof ApiProblem && error.status >= 400 && error.status < 500;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: STALE_MS, retry: (failures, error) => !isRefusal(error) && failures < MAX_RETRIES },
      mutations: { retry: false },
    },
  });
}

type ReadOptions<T, Selected = T> = Omit<UseQueryOptions<T, Error, Selected, QueryKey>, 'queryKey' | 'queryFn'>;

/** GET `path` as the signed-in caller, cached under `queryKey` (as read; `select` shapes what the page sees). */
export function useApiQuery<T, Selected = T>(queryKey: QueryKey, path: string, options: ReadOptions<T, Selected> = {}) {
  const { key } = useSession();
  return useQuery({ ...options, queryKey, queryFn: ({ signal }) => apiJson<T>(key, path, { signal }) });
}

/**
 * A write as the signed-in caller. Once it succeeds the queries under `refreshes` are read again, and the
 * mutation stays pending until they are: the page never shows the write's outcome beside stale data.
 */
export function useApiMutation<Variables, Result>(
  write: (key: string, variables: Variables) => Promise<Result>,
  refreshes: QueryKey[] = [],
) {
  const { key } = useSession();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (variables: Variables) => write(key, variables),
    onSuccess: () => Promise.all(refreshes.map((queryKey) => queryClient.invalidateQueries({ queryKey }))),
  });
}
