// An API refusal as the API words it: its detail and its stable code (and HTTP status).
import { ApiProblem } from '../api/client';

export function ProblemBox({ problem }: { problem: ApiProblem | Error | null }) {
  if (!problem) return null;
  if (problem instanceof ApiProblem) {
    return (
      <div className="problem" role="alert">
        <strong className="problem-code">{problem.code}</strong>
        {problem.status > 0 && <span className="problem-status"> (HTTP {problem.status})</span>}
        <p className="problem-detail">{problem.detail}</p>
      </div>
    );
  }
  return (
    <div className="problem" role="alert">
      <p className="problem-detail">{problem.message}</p>
    </div>
  );
}
