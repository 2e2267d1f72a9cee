// A batch's or lock's status as a coloured badge. A batch's colour is its outcome: a COMPLETED batch with
// failed rows is amber and says so, FAILED is red, CANCELLED grey.
import { BatchCounts, batchOutcome } from '../batchOutcome';
import { formatCount } from '../format';

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge badge-${status.toLowerCase()}`} data-testid="status">
      {status}
    </span>
  );
}

export function BatchStatusBadge({ status }: { status: BatchCounts }) {
  const outcome = batchOutcome(status);
  const failed = status.countersByStatus.FAILED ?? 0;
  return (
    <span className={`badge outcome-${outcome}`} data-testid="status" data-outcome={outcome}>
      {status.status}
      {outcome === 'with-failures' && ` · ${formatCount(failed)} failed`}
    </span>
  );
}
