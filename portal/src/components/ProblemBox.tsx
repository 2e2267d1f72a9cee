// An API refusal as the API words it: its detail and its stable code (and HTTP status). `focus` moves the
// keyboard to it when it appears (the answer to an action the operator just took).
import { useEffect, useRef } from 'react';
import { ApiProblem } from '../api/client';

export function ProblemBox({ problem, focus = false }: { problem: ApiProblem | Error | null; focus?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (focus && problem) box.current?.focus();
  }, [focus, problem]);
  if (!problem) return null;
  return (
    <div className="problem" role="alert" tabIndex={-1} ref={box}>
      {problem instanceof ApiProblem ? (
        <>
          <strong className="problem-code">{problem.code}</strong>
          {problem.status > 0 && <span className="problem-status"> (HTTP {problem.status})</span>}
          <p className="problem-detail">{problem.detail}</p>
        </>
      ) : (
        <p className="problem-detail">{problem.message}</p>
      )}
    </div>
  );
}
