// The portal's shell: sign-in until a key is accepted, then the navigation and the page the hash names.
import { BatchPage } from './pages/BatchPage';
import { BatchesPage } from './pages/BatchesPage';
import { BulkActionPage } from './pages/BulkActionPage';
import { DevicePage } from './pages/DevicePage';
import { SignInPage } from './pages/SignInPage';
import { WorkingHoursPage } from './pages/WorkingHoursPage';
import { Route, href, useRoute } from './router';
import { Session, SessionContext, canWrite, useSignedInSession } from './session';

export function App() {
  const { restoring, session, signIn, signOut } = useSignedInSession();
  if (restoring) return <p className="loading">Loading…</p>;
  if (!session) return <SignInPage onSignedIn={signIn} />;
  return (
    <SessionContext.Provider value={session}>
      <Shell session={session} onSignOut={signOut} />
    </SessionContext.Provider>
  );
}

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const route = useRoute();
  const links: { label: string; route: Route; show: boolean }[] = [
    { label: 'Batches', route: { page: 'batches' }, show: true },
    { label: 'Bulk action', route: { page: 'bulk' }, show: canWrite(session) },
    { label: 'Devices', route: { page: 'device', uid: null }, show: true },
    { label: 'Working hours', route: { page: 'working-hours' }, show: true },
  ];
  const current = route.page === 'batch' ? 'batches' : route.page;
  return (
    <>
      <header className="topbar">
        <span className="brand">device-orchestrator</span>
        <nav>
          {links
            .filter((link) => link.show)
            .map((link) => (
              <a key={link.label} href={href(link.route)} className={link.route.page === current ? 'active' : undefined}>
                {link.label}
              </a>
            ))}
        </nav>
        <span className="whoami" data-testid="whoami">
          <span title="tenant">{session.me.tenantId}</span> · <span title="user">{session.me.userId}</span> ·{' '}
          <span className={`role role-${session.me.role}`}>{session.me.role}</span>
        </span>
        <button type="button" className="link-button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main>
        <Page route={route} />
      </main>
    </>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'batches':
      return <BatchesPage />;
    case 'bulk':
      return <BulkActionPage />;
    case 'batch':
      return <BatchPage key={route.batchId} batchId={route.batchId} />;
    case 'device':
      return <DevicePage key={route.uid ?? ''} uid={route.uid} />;
    case 'working-hours':
      return <WorkingHoursPage />;
    case 'not-found':
      return <p>No page at {route.path}.</p>;
  }
}
