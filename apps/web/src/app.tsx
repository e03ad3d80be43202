import { Navigate, NavLink, Route, Routes } from 'react-router';
import { AdminOnly } from './components/admin-only.tsx';
import { useMe } from './identity/use-me.ts';
import { UserSwitcher } from './identity/user-switcher.tsx';
import { lazy, Suspense } from 'react';

// Charts are heavy and admins-only: loaded when the page is opened.
const AnalyticsPage = lazy(() => import('./pages/analytics-page.tsx').then((module) => ({ default: module.AnalyticsPage })));
const LiveFeedPage = lazy(() => import('./pages/live-feed-page.tsx').then((module) => ({ default: module.LiveFeedPage })));
import { ExecutionPage } from './pages/execution-page.tsx';
import { ExecutionsPage } from './pages/executions-page.tsx';
import { NotFoundPage } from './pages/not-found-page.tsx';
import { RunPage } from './pages/run-page.tsx';

export function App() {
  const me = useMe();
  const admin = me.data?.role === 'admin';
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand">
          Assistant Architect <span>Events</span>
        </NavLink>
        <nav aria-label="Main">
          <NavLink to="/assistant-architect">Run</NavLink>
          <NavLink to="/executions">{admin ? 'History' : 'Executions'}</NavLink>
          {admin ? <NavLink to="/analytics">Analytics</NavLink> : null}
          {admin ? <NavLink to="/live">Live feed</NavLink> : null}
        </nav>
        <UserSwitcher />
      </header>
      <main id="main" className="content">
        <Routes>
          <Route path="/" element={<Navigate to="/assistant-architect" replace />} />
          <Route path="/assistant-architect" element={<RunPage />} />
          <Route path="/assistant-architect/:assistantId" element={<RunPage />} />
          <Route path="/executions" element={<ExecutionsPage />} />
          <Route path="/executions/:executionId" element={<ExecutionPage />} />
          <Route
            path="/analytics"
            element={
              <AdminOnly>
                <Suspense fallback={<p className="muted" role="status">Loading…</p>}>
                  <AnalyticsPage />
                </Suspense>
              </AdminOnly>
            }
          />
          <Route
            path="/live"
            element={
              <AdminOnly>
                <Suspense fallback={<p className="muted" role="status">Loading…</p>}>
                  <LiveFeedPage />
                </Suspense>
              </AdminOnly>
            }
          />
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </main>
    </div>
  );
}
