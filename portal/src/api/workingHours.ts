// A tenant's working-hours calendar: read, saved, and the next working instant it gives for a time.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useSession } from '../session';
import { apiJson } from './client';
import { useApiQuery } from './query';
import type { NextWorkingInstant, WorkingHours, WorkingHoursAnswer, WorkingHoursCalendar } from './types';

const workingHoursPath = (tenantId: string) => `/v1/tenants/${encodeURIComponent(tenantId)}/working-hours`;
const workingHoursKey = (tenantId: string) => ['working-hours', tenantId];
const nextWorkingInstantKey = (tenantId: string) => [...workingHoursKey(tenantId), 'next-working-instant'];

/** The tenant's calendar (its own or inherited), or null when it has none yet (the API says `configured: false`). */
export function useWorkingHours(tenantId: string) {
  return useApiQuery<WorkingHoursAnswer, WorkingHours | null>(workingHoursKey(tenantId), workingHoursPath(tenantId), {
    select: (answer) => (answer.configured ? answer : null),
  });
}

export function useSaveWorkingHours(tenantId: string) {
  const { key } = useSession();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (calendar: WorkingHoursCalendar) =>
      apiJson<WorkingHours>(key, workingHoursPath(tenantId), { method: 'PUT', body: calendar }),
    // The answer is the saved calendar; previews made with the one before it are out of date.
    onSuccess: (saved) => {
      queryClient.setQueryData(workingHoursKey(tenantId), saved);
      return queryClient.invalidateQueries({ queryKey: nextWorkingInstantKey(tenantId) });
    },
  });
}

/** The API's answer for a requested instant (ISO 8601), once there is one to ask about. */
export function useNextWorkingInstant(tenantId: string, at: string | null) {
  const query = new URLSearchParams({ at: at ?? '' });
  return useApiQuery<NextWorkingInstant>(
    [...nextWorkingInstantKey(tenantId), at],
    `${workingHoursPath(tenantId)}/next-working-instant?${query}`,
    {
      enabled: at !== null,
    },
  );
}
