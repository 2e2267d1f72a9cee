// A filter form's draft: the fields edit it, and submitting applies it (a list reads with the filters applied,
// never with every keystroke).
import { ChangeEvent, FormEvent, useState } from 'react';

export function useFilterDraft<Filters extends { [Name in keyof Filters]: string }>(initial: Filters, onApply: (filters: Filters) => void) {
  const [draft, setDraft] = useState<Filters>(initial);
  /** The props of the input or select that edits the filter `name`. */
  const field = (name: keyof Filters & string) => ({
    name,
    value: draft[name],
    onChange: (e: ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setDraft({ ...draft, [name]: e.target.value }),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    onApply(draft);
  }
  return { field, submit };
}
