// The outcome of an operator's action: focused when it appears, so keyboard and screen-reader users land on
// the result, and announced (role=status) as it changes with the state it follows.
import { useEffect, useRef } from 'react';

export function Notice({ text, testId }: { text: string; testId?: string }) {
  const element = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    element.current?.focus();
  }, []);
  return (
    <p className="notice" role="status" tabIndex={-1} ref={element} data-testid={testId}>
      {text}
    </p>
  );
}
