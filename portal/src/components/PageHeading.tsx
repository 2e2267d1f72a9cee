// A page's heading, which is also the document's title. The shell moves focus to it on navigation
// (tabIndex -1: focusable by script, not a tab stop).
import { ReactNode, useEffect } from 'react';

const APP_NAME = 'device-orchestrator';

export function PageHeading({ title, children }: { title: string; children?: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · ${APP_NAME}`;
  }, [title]);
  return (
    <h1 tabIndex={-1} className="page-heading">
      {children ?? title}
    </h1>
  );
}

/** Moves focus to the shown page's heading (after navigation, or from the skip link). */
export function focusPageHeading(): void {
  document.querySelector<HTMLElement>('main h1')?.focus();
}
