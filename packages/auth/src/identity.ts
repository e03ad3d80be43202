import type { User, UserRepository, UserRole } from '@aae/db';
import { PERSONAL_TOKEN_PREFIX, type Auth } from './create-auth.ts';
import { roleScopes, TOKEN_SCOPES, type TokenScope } from './scopes.ts';
import { WATCH_TOKEN_PREFIX, WatchTokenError, type WatchTokens } from './watch-tokens.ts';

/** Who a request acts as, and how they proved it. */
export interface Identity {
  user: User;
  /** A browser session, a personal access token, or a watch token for one execution. */
  via: 'session' | 'token' | 'watch';
  /** What this request may do: a session every scope of the role; a token its own scopes within the role. */
  scopes: ReadonlySet<TokenScope>;
  /** For a watch token, the one execution it reads. */
  executionId: number | null;
}

/** An identity, or none with the reason a credential was refused (null when none was sent). */
export type IdentityResult = { identity: Identity; problem: null } | { identity: null; problem: string | null };

export interface CredentialSource {
  headers: Headers;
  /** A token sent outside the Authorization header (tRPC connection params, a watch token in a URL). */
  token?: string | null | undefined;
}

const SESSION_COOKIE = /(?:^|;\s*)(?:__Secure-)?aae\.session_token=/;
const DISABLED = 'This account is disabled; ask an admin to enable it';

function bearer(headers: Headers): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.get('authorization') ?? '');
  return match?.[1] ?? null;
}

function tokenScopes(permissions: unknown, role: UserRole): Set<TokenScope> {
  const granted = (permissions as { scopes?: unknown } | null)?.scopes;
  const allowed = new Set(roleScopes(role));
  return new Set(Array.isArray(granted) ? TOKEN_SCOPES.filter((scope) => granted.includes(scope) && allowed.has(scope)) : []);
}

const TOKEN_PROBLEMS: Record<string, string> = {
  KEY_EXPIRED: 'This token has expired; create a new one',
  KEY_DISABLED: 'This token was revoked',
};

/**
 * Finds who a request acts as: a bearer (or passed) token first, then the session cookie. Every
 * path re-reads the account, so disabling it takes effect on the next request.
 */
export function createIdentityResolver(deps: { auth: Auth; users: UserRepository; watchTokens: WatchTokens }) {
  async function fromPersonalToken(token: string): Promise<IdentityResult> {
    const result = await deps.auth.api.verifyApiKey({ body: { key: token } });
    if (!result.valid || !result.key) {
      return { identity: null, problem: TOKEN_PROBLEMS[result.error?.code ?? ''] ?? 'This token is not valid (mistyped, revoked or expired)' };
    }
    const user = await deps.users.findActive(Number(result.key.referenceId));
    if (!user) return { identity: null, problem: DISABLED };
    return { identity: { user, via: 'token', scopes: tokenScopes(result.key.permissions, user.role), executionId: null }, problem: null };
  }

  async function fromWatchToken(token: string): Promise<IdentityResult> {
    try {
      const claims = await deps.watchTokens.verify(token);
      const user = await deps.users.findActive(claims.userId);
      if (!user) return { identity: null, problem: DISABLED };
      return { identity: { user, via: 'watch', scopes: new Set(['executions:read']), executionId: claims.executionId }, problem: null };
    } catch (error) {
      if (error instanceof WatchTokenError) return { identity: null, problem: error.message };
      throw error;
    }
  }

  async function fromSession(headers: Headers): Promise<IdentityResult> {
    // Refreshing the cookie is left to the web app's own session calls: here no cookie can be set.
    const session = await deps.auth.api.getSession({ headers, query: { disableRefresh: true } });
    if (!session) return { identity: null, problem: 'Your session has ended; sign in again' };
    const user = await deps.users.findActive(Number(session.user.id));
    if (!user) return { identity: null, problem: DISABLED };
    return { identity: { user, via: 'session', scopes: new Set(roleScopes(user.role)), executionId: null }, problem: null };
  }

  return async function resolveIdentity(source: CredentialSource): Promise<IdentityResult> {
    const token = source.token?.trim() || bearer(source.headers);
    if (token) {
      if (token.startsWith(PERSONAL_TOKEN_PREFIX)) return fromPersonalToken(token);
      if (token.startsWith(WATCH_TOKEN_PREFIX)) return fromWatchToken(token);
      return {
        identity: null,
        problem: `Unrecognised token: send a personal access token (${PERSONAL_TOKEN_PREFIX}…) or a watch token (${WATCH_TOKEN_PREFIX}…)`,
      };
    }
    if (SESSION_COOKIE.test(source.headers.get('cookie') ?? '')) return fromSession(source.headers);
    return { identity: null, problem: null };
  };
}

export type IdentityResolver = ReturnType<typeof createIdentityResolver>;
