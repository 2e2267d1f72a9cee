// Sign-in with an API key: GET /v1/me tells whose key it is. Device-gateway keys only relay check-ins
// and cannot use the portal.
import { FormEvent, useState } from 'react';
import { ApiProblem, apiJson } from '../api/client';
import type { Me } from '../api/types';
import { ProblemBox, asProblem } from '../components/ProblemBox';

export function SignInPage({ onSignedIn }: { onSignedIn: (key: string, me: Me) => void }) {
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const me = await apiJson<Me>(key.trim(), '/v1/me');
      if (me.role === 'device_gateway') {
        throw new ApiProblem(
          403,
          'FORBIDDEN',
          `this is a device-gateway key of tenant ${me.tenantId}: it only relays device check-ins and cannot sign in; use an operator or read-only key`,
        );
      }
      onSignedIn(key.trim(), me);
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="signin">
      <h1>device-orchestrator</h1>
      <p className="muted">Operators' portal: bulk actions, batches, devices, temporary locks and working hours.</p>
      <form onSubmit={submit} className="card">
        <label>
          API key
          <input
            name="apiKey"
            type="password"
            autoComplete="off"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            placeholder="do_…"
            required
            autoFocus
          />
        </label>
        <p className="hint">Kept for this browser tab only and sent as the X-API-Key header.</p>
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <ProblemBox problem={problem} />
      </form>
    </div>
  );
}
