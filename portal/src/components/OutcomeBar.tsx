// A batch's rows as one stacked bar: succeeded, failed and cancelled shares, and what is still pending.
// A progressbar to assistive technology, named and with its shares as text.
import { BatchCounts, outcomeShares } from '../batchOutcome';
import { formatCount } from '../format';

const SEGMENTS = ['succeeded', 'failed', 'cancelled'] as const;

export function OutcomeBar({ status, label, compact = false }: { status: BatchCounts; label: string; compact?: boolean }) {
  const shares = outcomeShares(status);
  const done = shares.total - shares.pending;
  const words = SEGMENTS.filter((s) => shares[s] > 0 || s === 'succeeded')
    .map((s) => `${formatCount(shares[s])} ${s}`)
    .join(', ');
  const text = `${words}${shares.pending > 0 ? `, ${formatCount(shares.pending)} pending` : ''} of ${formatCount(shares.total)}`;
  return (
    <span className={`outcome${compact ? ' compact' : ''}`}>
      <span
        className="outcome-bar"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={shares.total}
        aria-valuenow={done}
        aria-valuetext={text}
      >
        {SEGMENTS.map((segment) =>
          shares[segment] > 0 ? (
            <span
              key={segment}
              className={`segment segment-${segment}`}
              style={{ width: `${(shares[segment] / (shares.total || 1)) * 100}%` }}
            />
          ) : null,
        )}
      </span>
      <span className="outcome-text" data-testid="outcome-text">
        {text}
      </span>
    </span>
  );
}
