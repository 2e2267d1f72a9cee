// A batch's or lock's status as a coloured badge.
export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge badge-${status.toLowerCase()}`} data-testid="status">
      {status}
    </span>
  );
}
