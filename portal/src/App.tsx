// The portal's shell: sign-in until a key is accepted, then a skip link, the navigation (a menu button
// on phones) and the page the hash names, whose heading takes the focus on every navigation.
import { useEffect, useState } from 'react';
import { BatchPage } from './pages/BatchPage';
import { BatchesPage } from './pages/BatchesPage';
import { BulkActionPage } from './pages/BulkActionPage';
import { DevicePage } from './pages/DevicePage';
import { SignInPage } from './pages/SignInPage';
import { WebhooksPage } from './pages/WebhooksPage';
import { WorkingHoursPage } from './pages/WorkingHoursPage';
import { PageHeading, focusPageHeading } from './components/PageHeading';
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
  const path = href(route);
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => {
    setMenuOpen(false);
    focusPageHeading();
  }, [path]);
  return (
    <>
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          focusPageHeading();
        }}
      >
        Skip to main content
      </a>
      <header className={`topbar${menuOpen ? ' open' : ''}`}>
        <span className="brand">device-orchestrator</span>
        <button
          type="button"
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls="topbar-menu"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <div className="topbar-menu" id="topbar-menu">
          <Navigation session={session} route={route} />
          <span className="whoami" data-testid="whoami">
            <span title="tenant">{session.me.tenantId}</span> · <span title="user">{session.me.userId}</span> ·{' '}
            <span className={`role role-${session.me.role}`}>{session.me.role}</span>
          </span>
          <button type="button" className="link-button" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main">
        <Page route={route} />
      </main>
    </>
  );
}

function Navigation({ session, route }: { session: Session; route: Route }) {
  const links: { label: string; route: Route; show: boolean }[] = [
    { label: 'Batches', route: { page: 'batches' }, show: true },
    { label: 'Bulk action', route: { page: 'bulk' }, show: canWrite(session) },
    { label: 'Devices', route: { page: 'device', uid: null }, show: true },
    { label: 'Working hours', route: { page: 'working-hours' }, show: true },
    { label: 'Webhooks', route: { page: 'webhooks' }, show: true },
  ];
  const current = route.page === 'batch' ? 'batches' : route.page;
  return (
    <nav aria-label="Main">
      {links
        .filter((link) => link.show)
        .map((link) => (
          <a key={link.label} href={href(link.route)} aria-current={link.route.page === current ? 'page' : undefined}>
            {link.label}
          </a>
        ))}
    </nav>
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
      return <DevicePage key={`${route.uid ?? ''}/${route.tenantId ?? ''}`} uid={route.uid} tenantId={route.tenantId ?? null} />;
    case 'working-hours':
      return <WorkingHoursPage />;
    case 'webhooks':
      return <WebhooksPage />;
    case 'not-found':
      return (
        <section>
          <PageHeading title="No such page" />
          <p>No page at {route.path}.</p>
        </section>
      );
  }
}
