// Sign-in with an API key: GET /v1/me tells whose key it is. Device-gateway keys only relay check-ins
// and cannot use the portal.
import { FormEvent, useEffect, useState } from 'react';
import { useSignIn } from '../api/me';
import { ProblemBox } from '../components/ProblemBox';
import type { Session } from '../session';

export function SignInPage({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [key, setKey] = useState('');
  const signIn = useSignIn(onSignedIn);
  useEffect(() => {
    document.title = 'Sign in · device-orchestrator';
  }, []);

  function submit(event: FormEvent) {
    event.preventDefault();
    signIn.mutate(key);
  }

  return (
    <main className="signin">
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
        <button type="submit" disabled={signIn.isPending || key.trim() === ''}>
          {signIn.isPending ? 'Signing in…' : 'Sign in'}
        </button>
        <ProblemBox problem={signIn.error} focus />
      </form>
    </main>
  );
}
