import { useEffect } from 'react';
import { trpc } from '../trpc.ts';
import { refreshSession } from './auth-api.ts';

/** The API never extends a session (it cannot set cookies on a stream); the app asks for that itself. */
const REFRESH_EVERY_MS = 60 * 60_000;

/**
 * Keeps the session of someone who uses the app alive past its first week: better-auth extends it
 * when it is read after a day. A session found ended sends the app back to the sign-in page.
 */
export function useSessionRefresh(): void {
  const utils = trpc.useUtils();
  useEffect(() => {
    const refresh = () => {
      void refreshSession().then((signedIn) => {
        if (signedIn === false) void utils.users.me.invalidate();
      });
    };
    refresh();
    const timer = window.setInterval(refresh, REFRESH_EVERY_MS);
    return () => window.clearInterval(timer);
  }, [utils]);
}
