// A table with its column headings, and a line in place of the rows when there are none.
import type { ReactNode } from 'react';

/** A heading; numbers are right-aligned. */
type Column = string | { label: string; numeric: true };

interface Props {
  columns: Column[];
  /** Shown across the table when not null (when there are no rows). */
  empty?: string | null;
  className?: string;
  testId?: string;
  children: ReactNode;
}

export const numeric = (label: string): Column => ({ label, numeric: true });

export function Table({ columns, empty = null, className, testId, children }: Props) {
  return (
    <table className={className} data-testid={testId}>
      <thead>
        <tr>
          {columns.map((column, i) =>
            typeof column === 'string' ? (
              <th key={i}>{column}</th>
            ) : (
              <th key={i} className="num">
                {column.label}
              </th>
            ),
          )}
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
  );
}
