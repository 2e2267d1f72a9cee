// A labelled checkbox of a form: its words after the box, an optional hint it is described by.
import type { ReactNode } from 'react';

interface Props {
  name: string;
  checked: boolean;
  onChange(checked: boolean): void;
  /** The id of the hint that explains it. */
  describedBy?: string;
  children: ReactNode;
}

export function Checkbox({ name, checked, onChange, describedBy, children }: Props) {
  return (
    <label className="checkbox">
      <input type="checkbox" name={name} checked={checked} onChange={(e) => onChange(e.target.checked)} aria-describedby={describedBy} />
      {children}
    </label>
  );
}
