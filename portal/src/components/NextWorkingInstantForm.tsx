// When would a working-hours lock requested at a chosen time start? The API answers with the tenant's
// saved calendar (GET /v1/tenants/:id/working-hours/next-working-instant).
import { FormEvent, useState } from 'react';
import type { NextWorkingInstant } from '../api/types';
import { useNextWorkingInstant } from '../api/workingHours';
import { Time } from './Time';
import { ProblemBox } from './ProblemBox';

export function NextWorkingInstantForm({ tenantId }: { tenantId: string }) {
  const [at, setAt] = useState(() => localInputValue(new Date()));
  // The instant asked about (ISO 8601): none until the operator asks.
  const [asked, setAsked] = useState<string | null>(null);
  const preview = useNextWorkingInstant(tenantId, asked);

  function submit(event: FormEvent) {
    event.preventDefault();
    const instant = new Date(at).toISOString();
    if (instant === asked) void preview.refetch();
    else setAsked(instant);
  }

  return (
    <form className="card" onSubmit={submit} data-testid="preview">
      <h2>Next working instant</h2>
      <p className="muted">For the saved calendar: when would a working-hours lock requested at this time start?</p>
      <div className="inline-form">
        <label>
          Requested at (your local time)
          <input type="datetime-local" name="at" value={at} onChange={(e) => setAt(e.target.value)} required />
        </label>
        <button type="submit">Preview</button>
      </div>
      {preview.data && (
        <p className="preview-answer" role="status">
          <Answer answer={preview.data} />
        </p>
      )}
      <ProblemBox problem={preview.error} />
    </form>
  );
}

function Answer({ answer }: { answer: NextWorkingInstant }) {
  if (answer.isWorkingInstant) return <>{`${answer.atLocal} (${answer.timeZone}) is inside working hours: it starts at once.`}</>;
  if (!answer.nextWorkingInstant) return <>No working window opens within 400 days.</>;
  return (
    <>
      Next working instant: {answer.nextWorkingInstantLocal} ({answer.timeZone}) = <Time iso={answer.nextWorkingInstant} />.
    </>
  );
}

/** A Date as the value of a datetime-local input (local wall time, minutes). */
function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
