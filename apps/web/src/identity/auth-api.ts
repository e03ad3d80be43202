/**
 * better-auth's endpoints on this origin, called with plain `fetch`. Five small JSON requests do
 * not justify its client (exact peer pins, a lockfile change, a larger bundle): the session lives
 * in an HttpOnly cookie that the browser sends and stores by itself, and same-origin requests
 * carry the Origin header better-auth checks.
 */

export type AuthResult<T> = { ok: true; data: T } | AuthFailure;

export interface AuthFailure {
  ok: false;
  status: number;
  /** better-auth's code, e.g. `TOO_MANY_ATTEMPTS`, `ACCOUNT_DISABLED`, `INVALID_PASSWORD`. */
  code: string | null;
  /** The server's own words, meant for the person. */
  message: string;
}

const UNREACHABLE: AuthFailure = {
  ok: false,
  status: 0,
  code: null,
  message: 'The server could not be reached; check your connection and try again',
};

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<AuthResult<T>> {
  let response: Response;
  try {
    response = await fetch(`/api/auth/${path}`, {
      method,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
  } catch {
    return UNREACHABLE;
  }
  const payload = (await response.json().catch(() => null)) as (T & { message?: unknown; code?: unknown }) | null;
  if (response.ok) return { ok: true, data: payload as T };
  if (payload?.code === 'INVALID_ORIGIN') {
    // The page was opened at an address the server was not told about (another name for it, a proxy).
    return {
      ok: false,
      status: response.status,
      code: 'INVALID_ORIGIN',
      message: `The server does not accept sign-ins from ${window.location.origin}: open the app at the address it was started with, or have it started with PUBLIC_URL=${window.location.origin}`,
    };
  }
  return {
    ok: false,
    status: response.status,
    code: typeof payload?.code === 'string' ? payload.code : null,
    message: typeof payload?.message === 'string' && payload.message ? payload.message : `The server refused (HTTP ${response.status})`,
  };
}

export function signInWithEmail(email: string, password: string) {
  return call<unknown>('POST', 'sign-in/email', { email, password });
}

/**
 * Starts single sign-on: the answer names the provider's page, where the browser goes next; the
 * provider sends it back signed in to `callbackURL`, or to `errorCallbackURL` with `?error=`.
 */
export async function signInWithProvider(provider: string, callbackURL: string, errorCallbackURL: string): Promise<AuthFailure | null> {
  const result = await call<{ url?: string }>('POST', 'sign-in/social', { provider, callbackURL, errorCallbackURL });
  if (!result.ok) return result;
  if (!result.data.url) return { ...UNREACHABLE, message: 'The server did not say where to sign in' };
  window.location.assign(result.data.url);
  return null;
}

export function signOut() {
  return call<unknown>('POST', 'sign-out', {});
}

/** Changes the password; every other session of the person ends, this one continues. */
export function changePassword(currentPassword: string, newPassword: string) {
  return call<unknown>('POST', 'change-password', { currentPassword, newPassword, revokeOtherSessions: true });
}

/** Reads the session, which also extends the cookie's lifetime: false when it has ended, null when unknown. */
export async function refreshSession(): Promise<boolean | null> {
  const result = await call<{ session?: unknown } | null>('GET', 'get-session');
  if (!result.ok) return result.status === 401 ? false : null;
  return Boolean(result.data?.session);
}
