import type { PersonalTokenRepository, User, UserRepository } from '@aae/db';
import { defaultKeyHasher } from '@better-auth/api-key';
import { PERSONAL_TOKEN_PREFIX, type Auth } from './create-auth.ts';
import { roleScopes, type TokenScope } from './scopes.ts';
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
  /** For a browser session, its id (signing out ends its open streams). */
  sessionId: number | null;
  /** For a personal access token, its id (revoking it ends its open streams). */
  tokenId: number | null;
  /** When the credential stops working, if it does on its own. */
  expiresAt: Date | null;
  /**
   * When the credential was checked (ms since the epoch, taken before reading it): access revoked
   * from then on may not be reflected, so a stream opened with this identity checks for that.
   */
  checkedAt?: number;
}

/** An identity, or none with the reason a credential was refused (null when none was sent). */
export type IdentityResult = { identity: Identity; problem: null } | { identity: null; problem: string | null };

export interface CredentialSource {
  headers: Headers;
  /** A token sent outside the Authorization header (a watch token in a URL or in tRPC's connection params). */
  token?: string | null | undefined;
  /**
   * The browser says another site made this request (`Sec-Fetch-Site`): its session cookie is not
   * used, so a link or form elsewhere cannot act as the person (a token still works).
   */
  crossSite?: boolean;
}

const SESSION_COOKIE = /(?:^|;\s*)(?:__Secure-)?aae\.session_token=/;
export const ACCOUNT_DISABLED = 'This account is disabled; ask an admin to enable it';

function bearer(headers: Headers): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.get('authorization') ?? '');
  return match?.[1] ?? null;
}

/**
 * Finds who a request acts as: a bearer (or passed) token first, then the session cookie. Every
 * path re-reads the account, so disabling it takes effect on the next request.
 */
export function createIdentityResolver(deps: { auth: Auth; users: UserRepository; personalTokens: PersonalTokenRepository; watchTokens: WatchTokens }) {
  /** Looked up by the hash better-auth stored; a read, and at most a write a minute per token. */
  async function fromPersonalToken(token: string): Promise<IdentityResult> {
    const stored = await deps.personalTokens.findByHash(await defaultKeyHasher(token));
    if (!stored) return { identity: null, problem: 'This token is not valid (mistyped, or deleted)' };
    if (!stored.enabled) return { identity: null, problem: 'This token was revoked' };
    if (stored.expiresAt && stored.expiresAt.getTime() <= Date.now()) return { identity: null, problem: 'This token has expired; create a new one' };
    const user = await deps.users.findActive(stored.userId);
    if (!user) return { identity: null, problem: ACCOUNT_DISABLED };
    if (deps.personalTokens.needsMarking(stored)) void deps.personalTokens.markUsed(stored.id).catch(() => {});
    // A token never holds more than its owner's role allows today.
    const scopes = new Set(roleScopes(user.role).filter((scope) => stored.scopes.includes(scope)));
    return { identity: { user, via: 'token', scopes, executionId: null, sessionId: null, tokenId: stored.id, expiresAt: stored.expiresAt }, problem: null };
  }

  async function fromWatchToken(token: string): Promise<IdentityResult> {
    try {
      const claims = await deps.watchTokens.verify(token);
      const user = await deps.users.findActive(claims.userId);
      if (!user) return { identity: null, problem: ACCOUNT_DISABLED };
      const identity: Identity = {
        user,
        via: 'watch',
        scopes: new Set(['executions:read']),
        executionId: claims.executionId,
        sessionId: null,
        tokenId: null,
        expiresAt: claims.expiresAt,
      };
      return { identity, problem: null };
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
    if (!user) return { identity: null, problem: ACCOUNT_DISABLED };
    const identity: Identity = {
      user,
      via: 'session',
      scopes: new Set(roleScopes(user.role)),
      executionId: null,
      sessionId: Number(session.session.id),
      tokenId: null,
      expiresAt: new Date(session.session.expiresAt),
    };
    return { identity, problem: null };
  }

  return async function resolveIdentity(source: CredentialSource): Promise<IdentityResult> {
    const checkedAt = Date.now();
    const result = await resolve(source);
    if (result.identity) result.identity.checkedAt = checkedAt;
    return result;
  };

  async function resolve(source: CredentialSource): Promise<IdentityResult> {
    const token = source.token?.trim() || bearer(source.headers);
    if (token) {
      if (token.startsWith(PERSONAL_TOKEN_PREFIX)) return fromPersonalToken(token);
      if (token.startsWith(WATCH_TOKEN_PREFIX)) return fromWatchToken(token);
      return {
        identity: null,
        problem: `Unrecognised token: send a personal access token (${PERSONAL_TOKEN_PREFIX}…) or a watch token (${WATCH_TOKEN_PREFIX}…)`,
      };
    }
    if (SESSION_COOKIE.test(source.headers.get('cookie') ?? '')) {
      if (source.crossSite) return { identity: null, problem: 'Requests from other sites do not carry your session' };
      return fromSession(source.headers);
    }
    return { identity: null, problem: null };
  }
}

export type IdentityResolver = ReturnType<typeof createIdentityResolver>;
