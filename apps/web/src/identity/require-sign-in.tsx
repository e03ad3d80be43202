import { Navigate, Outlet, useLocation } from 'react-router';
import { ErrorMessage } from '../components/error-message.tsx';
import { trpc } from '../trpc.ts';
import { signInPath } from './return-path.ts';
import { isUnauthorized, useMe } from './use-me.ts';
import { useSessionRefresh } from './use-session-refresh.ts';

/** What the sign-in page is told when it was reached because a session ended mid-use. */
export interface SignInState {
  reason?: string;
}

/**
 * A layout route: its pages are for a signed-in person. Anyone else goes to the sign-in page
 * (which remembers the page they wanted), or to the set-up page while no admin exists.
 */
export function RequireSignIn() {
  const me = useMe();
  const location = useLocation();
  const signedOut = isUnauthorized(me.error);
  const setup = trpc.setup.status.useQuery(undefined, { enabled: signedOut });

  if (signedOut) {
    if (setup.isPending) return <Loading />;
    if (setup.data?.needsSetup) return <Navigate to="/setup" replace />;
    // A session that ended while the app was open (data from before is still here) says why.
    const state: SignInState = me.data ? { reason: me.error!.message } : {};
    return <Navigate to={signInPath(location)} replace state={state} />;
  }
  // Known and not refused: a failed re-check (the network) keeps the page.
  if (me.data) return <SignedIn />;
  if (me.error) return <ErrorMessage error={me.error} title="Could not check who you are" />;
  return <Loading />;
}

function SignedIn() {
  useSessionRefresh();
  return <Outlet />;
}

function Loading() {
  return (
    <p className="muted" role="status">
      Loading…
    </p>
  );
}
