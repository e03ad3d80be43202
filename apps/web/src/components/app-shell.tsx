import { NavLink, Outlet } from 'react-router';
import { AccountMenu } from '../identity/account-menu.tsx';
import { isUnauthorized, useMe } from '../identity/use-me.ts';

/** The header and main landmark of every page; the navigation appears once someone is signed in. */
export function AppShell() {
  const me = useMe();
  const signedIn = me.data && !isUnauthorized(me.error) ? me.data : null;
  const admin = signedIn?.role === 'admin';
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand">
          Assistant Architect <span>Events</span>
        </NavLink>
        {signedIn ? (
          <>
            <nav aria-label="Main">
              <NavLink to="/assistant-architect">Run</NavLink>
              <NavLink to="/assistants">Assistants</NavLink>
              <NavLink to="/executions">{admin ? 'History' : 'Executions'}</NavLink>
              <NavLink to="/knowledge">Knowledge</NavLink>
              {admin ? <NavLink to="/analytics">Analytics</NavLink> : null}
              {admin ? <NavLink to="/live">Live feed</NavLink> : null}
              {admin ? <NavLink to="/people">People</NavLink> : null}
              {admin ? <NavLink to="/audit">Audit log</NavLink> : null}
              {admin ? <NavLink to="/retention">Retention</NavLink> : null}
              {admin ? <NavLink to="/webhooks">Webhooks</NavLink> : null}
            </nav>
            <AccountMenu me={signedIn} />
          </>
        ) : null}
      </header>
      <main id="main" className="content">
        <Outlet />
      </main>
    </div>
  );
}
