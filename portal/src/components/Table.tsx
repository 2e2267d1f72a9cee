// A table with its column headings, and a line in place of the rows when there are none. It scrolls
// sideways inside its own box (a named, focusable region) when the screen is narrower than it, never the page.
import type { ReactNode } from 'react';

/** A heading; numbers are right-aligned; a `hidden` heading is for screen readers only (a column of buttons). */
type Column = string | { label: string; numeric?: true; hidden?: true };

interface Props {
  /** What the table lists, e.g. "Batches": names its scrolling region. */
  label: string;
  columns: Column[];
  /** Shown across the table when not null (when there are no rows). */
  empty?: string | null;
  className?: string;
  testId?: string;
  children: ReactNode;
}

export const numeric = (label: string): Column => ({ label, numeric: true });
export const unseen = (label: string): Column => ({ label, hidden: true });

export function Table({ label, columns, empty = null, className, testId, children }: Props) {
  return (
    <div className="table-scroll" role="region" aria-label={label} tabIndex={0}>
      <table className={className} data-testid={testId}>
        <thead>
          <tr>
            {columns.map((column, i) => (
              <Heading key={i} column={column} />
            ))}
          </tr>
        </thead>
        <tbody>
          {children}
          {empty !== null && (
            <tr>
              <td colSpan={columns.length} className="muted">
                {empty}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

function Heading({ column }: { column: Column }) {
  if (typeof column === 'string') return <th scope="col">{column}</th>;
  return (
    <th scope="col" className={column.numeric ? 'num' : undefined}>
      {column.hidden ? <span className="visually-hidden">{column.label}</span> : column.label}
    </th>
  );
}
