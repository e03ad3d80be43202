import type { AuditEntry, AuditLog, PrismaClient } from '@aae/db';
import { apiKey } from '@better-auth/api-key';
import { betterAuth } from 'better-auth';
import { prismaAdapter } from 'better-auth/adapters/prisma';
import { APIError, createAuthMiddleware, getSessionFromCtx, isAPIError } from 'better-auth/api';
import { genericOAuth } from 'better-auth/plugins/generic-oauth';
import type { SignInThrottle } from './sign-in-throttle.ts';

/** Personal access tokens start with this, so they are told apart from watch tokens (and found by secret scanners). */
export const PERSONAL_TOKEN_PREFIX = 'aae_pat_';
/**
 * The client's address as the server determined it (socket, or a trusted proxy's header). The
 * server overwrites whatever a client sends under this name; better-auth reads it.
 */
export const CLIENT_ADDRESS_HEADER = 'x-aae-client-address';
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 128;
const SESSION_SECONDS = 7 * 24 * 3600;

/**
 * better-auth's routes this product does not offer: tokens are made and revoked through the API
 * (scopes, audit log); names and addresses are set by admins; nobody deletes their own account;
 * session tokens are not handed to scripts.
 */
const CLOSED_ROUTES = [
  '/api-key/create',
  '/api-key/get',
  '/api-key/update',
  '/api-key/delete',
  '/api-key/list',
  '/update-user',
  '/change-email',
  '/delete-user',
  '/list-sessions',
  // A password check with no throttle: a stolen session must not be a way to guess the password.
  '/verify-password',
];

/** better-auth's log lines for a caller's mistake (answered with 4xx and kept in the audit log), by their wording. */
const CALLER_MISTAKES = ['Invalid password', 'User not found', 'Credential account not found', 'account_not_linked', 'signup_disabled'];

/** One OpenID Connect provider for single sign-on, found through its issuer's discovery document. */
export interface OidcProviderConfig {
  /** In URLs: the provider redirects back to `/api/auth/callback/<id>`. */
  id: string;
  /** On the sign-in button. */
  name: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  /** Whether a person the provider knows but this deployment does not becomes a member on first sign-in. */
  signUp: boolean;
}

export interface AuthOptions {
  prisma: PrismaClient;
  /** Signs session cookies; every process of a deployment must share it. */
  secret: string;
  /** Where people reach the server, e.g. `https://events.example.com` (cookies are `Secure` over HTTPS). */
  baseURL: string;
  /** Other origins the web app may be opened from (sign-in refuses requests from any other). */
  trustedOrigins?: string[] | undefined;
  oidc?: OidcProviderConfig | undefined;
  throttle?: SignInThrottle | undefined;
  audit: AuditLog;
  /**
   * A session ended (signed out, or removed by a password change): its open streams must close,
   * in every process.
   */
  onSessionEnded?: ((sessionId: number, reason: 'session-ended' | 'password-changed') => void) | undefined;
  logger?: Pick<Console, 'info' | 'warn' | 'error'>;
}

type Record = (entry: AuditEntry) => Promise<void>;
type HookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

const clientAddress = (ctx: HookContext) => ctx.request?.headers.get(CLIENT_ADDRESS_HEADER) ?? null;
const userAgent = (ctx: HookContext) => ctx.request?.headers.get('user-agent') ?? null;
const providerOf = (ctx: { params?: unknown } | null | undefined) => (ctx?.params as { id?: string } | undefined)?.id;

function retryMessage(ms: number, what = 'sign-ins'): string {
  const minutes = Math.ceil(ms / 60_000);
  return `Too many failed ${what}; try again in ${minutes === 1 ? 'a minute' : `${minutes} minutes`}`;
}

/** Password sign-in: counted before the password is checked, refused with 429 once over a limit, audited. */
function passwordSignInHooks(throttle: SignInThrottle | undefined, record: Record) {
  const emailOf = (ctx: HookContext) => (typeof ctx.body?.email === 'string' ? ctx.body.email : '');
  return {
    async before(ctx: HookContext) {
      if (!throttle) return;
      const email = emailOf(ctx);
      const attempt = await throttle.attempt(email, clientAddress(ctx));
      if (attempt.allowed) return;
      // One entry when a lock starts, not one per refused attempt.
      if (attempt.newlyLocked) await record({ action: 'sign-in-throttled', subject: email, ipAddress: clientAddress(ctx), userAgent: userAgent(ctx) });
      throw new APIError(
        'TOO_MANY_REQUESTS',
        { message: retryMessage(attempt.retryAfterMs), code: 'TOO_MANY_ATTEMPTS' },
        { 'Retry-After': String(Math.ceil(attempt.retryAfterMs / 1000)) },
      );
    },
    async after(ctx: HookContext) {
      const email = emailOf(ctx);
      if (ctx.context.newSession) {
        await throttle?.succeeded(email, clientAddress(ctx));
      } else if (isAPIError(ctx.context.returned) && ctx.context.returned.statusCode === 401) {
        await record({ action: 'sign-in-failed', subject: email, ipAddress: clientAddress(ctx), userAgent: userAgent(ctx), details: { method: 'password' } });
      }
    },
  };
}

/**
 * Sign-outs, password changes and refused single sign-ons, for the audit log. A password change
 * checks the current password: it is counted like a sign-in, so a stolen session is no way to
 * guess it.
 */
function accountHooks(throttle: SignInThrottle | undefined, record: Record, baseURL: string) {
  return {
    async before(ctx: HookContext) {
      if (ctx.path !== '/sign-out' && ctx.path !== '/change-password') return;
      const current = await getSessionFromCtx(ctx).catch(() => null);
      if (!current) return;
      const id = Number(current.user.id);
      if (ctx.path === '/sign-out') {
        await record({ action: 'sign-out', actorId: id, subjectId: id, subject: current.user.email, ipAddress: clientAddress(ctx), userAgent: userAgent(ctx) });
        return;
      }
      const attempt = throttle ? await throttle.attempt(current.user.email, clientAddress(ctx)) : { allowed: true as const };
      if (attempt.allowed) return;
      if (attempt.newlyLocked) {
        const details = { method: 'change-password' };
        await record({
          action: 'sign-in-throttled',
          actorId: id,
          subjectId: id,
          subject: current.user.email,
          ipAddress: clientAddress(ctx),
          userAgent: userAgent(ctx),
          details,
        });
      }
      throw new APIError(
        'TOO_MANY_REQUESTS',
        { message: retryMessage(attempt.retryAfterMs, 'password checks'), code: 'TOO_MANY_ATTEMPTS' },
        { 'Retry-After': String(Math.ceil(attempt.retryAfterMs / 1000)) },
      );
    },
    async after(ctx: HookContext) {
      const returned = ctx.context.returned;
      if (ctx.path === '/change-password' && !isAPIError(returned) && ctx.context.session) {
        const { user } = ctx.context.session;
        const id = Number(user.id);
        await throttle?.succeeded(user.email, clientAddress(ctx));
        await record({ action: 'password-changed', actorId: id, subjectId: id, subject: user.email, ipAddress: clientAddress(ctx), userAgent: userAgent(ctx) });
      }
      if (ctx.path.startsWith('/callback/') && !ctx.context.newSession) {
        const location = isAPIError(returned) ? new Headers(returned.headers).get('location') : null;
        const reason = location ? (new URL(location, baseURL).searchParams.get('error') ?? 'unknown') : 'unknown';
        const details = { method: `sso:${providerOf(ctx) ?? 'unknown'}`, reason };
        await record({ action: 'sign-in-failed', ipAddress: clientAddress(ctx), userAgent: userAgent(ctx), details });
      }
    },
  };
}

/**
 * Refuses a session to a disabled account; audits sign-ins and single sign-on accounts joined to
 * a person; reports sessions that end.
 */
function databaseHooks(prisma: PrismaClient, record: Record, onSessionEnded: AuthOptions['onSessionEnded']) {
  const emailOf = async (userId: string | number) => (await prisma.user.findUnique({ where: { id: Number(userId) }, select: { email: true } }))?.email;
  return {
    session: {
      create: {
        async before(session: { userId: string | number }) {
          const user = await prisma.user.findUnique({ where: { id: Number(session.userId) }, select: { disabledAt: true } });
          if (!user || user.disabledAt) {
            throw new APIError('FORBIDDEN', { message: 'This account is disabled; ask an admin to enable it', code: 'ACCOUNT_DISABLED' });
          }
        },
        async after(session: { userId: string | number; ipAddress?: string | null; userAgent?: string | null }, context: { params?: unknown } | null) {
          const provider = providerOf(context);
          await record({
            action: 'sign-in',
            actorId: Number(session.userId),
            subjectId: Number(session.userId),
            subject: await emailOf(session.userId),
            ipAddress: session.ipAddress,
            userAgent: session.userAgent,
            details: { method: provider ? `sso:${provider}` : 'password' },
          });
        },
      },
      delete: {
        async after(session: { id: string | number }, context: { path?: string } | null) {
          onSessionEnded?.(Number(session.id), context?.path === '/change-password' ? 'password-changed' : 'session-ended');
        },
      },
    },
    account: {
      create: {
        async after(account: { userId: string | number; providerId: string; accountId: string }) {
          if (account.providerId === 'credential') return;
          const userId = Number(account.userId);
          await record({
            action: 'account-linked',
            actorId: userId,
            subjectId: userId,
            subject: await emailOf(userId),
            details: { provider: account.providerId },
          });
        },
      },
    },
  };
}

/**
 * better-auth for this product: email and password (no self sign-up: admins create people),
 * optional OIDC single sign-on, sessions in HttpOnly SameSite=Lax cookies, personal access tokens
 * (the api-key plugin) with scopes. Disabled accounts cannot start a session; sign-ins, failures,
 * sign-outs and password changes go to the audit log; password sign-ins are throttled.
 */
export function createAuth(options: AuthOptions) {
  const { prisma, audit, throttle, oidc } = options;
  const logger = options.logger ?? console;
  const record: Record = (entry) => audit.record(entry).catch((error: unknown) => logger.error('[auth] could not write the audit log:', error));
  const signIn = passwordSignInHooks(throttle, record);
  const account = accountHooks(throttle, record, options.baseURL);

  return betterAuth({
    appName: 'Assistant Architect Events',
    baseURL: options.baseURL,
    basePath: '/api/auth',
    secret: options.secret,
    trustedOrigins: options.trustedOrigins ?? [],
    database: prismaAdapter(prisma, { provider: 'postgresql' }),
    telemetry: { enabled: false },
    disabledPaths: CLOSED_ROUTES,
    // Sign-in throttling is ours (per account and per address); other limits are the server's.
    rateLimit: { enabled: false },
    emailAndPassword: {
      enabled: true,
      disableSignUp: true,
      minPasswordLength: PASSWORD_MIN_LENGTH,
      maxPasswordLength: PASSWORD_MAX_LENGTH,
    },
    user: {
      additionalFields: {
        role: { type: 'string', required: false, defaultValue: 'member', input: false },
        disabledAt: { type: 'date', required: false, input: false },
      },
    },
    // A person an admin created (by address) signs in through the provider with that address only
    // when the provider says it verified it: the provider is not trusted to vouch otherwise.
    // Nobody signs up by themselves here, so the local address need not have been verified by mail.
    account: { accountLinking: { enabled: true, trustedProviders: [], requireLocalEmailVerified: false } },
    session: { expiresIn: SESSION_SECONDS, updateAge: 24 * 3600 },
    advanced: {
      // On whatever NODE_ENV or TEST says: better-auth would skip both under a test environment.
      disableOriginCheck: false,
      disableCSRFCheck: false,
      database: { generateId: 'serial' },
      cookiePrefix: 'aae',
      ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER] },
    },
    logger: {
      level: 'warn',
      log(level, message, ...args) {
        if (CALLER_MISTAKES.some((prefix) => message.startsWith(prefix))) return;
        (level === 'error' ? logger.error : logger.warn)(`[auth] ${message}`, ...args);
      },
    },
    onAPIError: {
      onError(error) {
        // Refusals (4xx) are answers, not faults; only the server's own failures are logged.
        if (!isAPIError(error) || error.statusCode >= 500) logger.error('[auth]', error);
      },
    },
    plugins: [
      apiKey({
        defaultPrefix: PERSONAL_TOKEN_PREFIX,
        schema: { apikey: { modelName: 'apiKey' } },
        rateLimit: { enabled: false },
        keyExpiration: { defaultExpiresIn: null, minExpiresIn: 1, maxExpiresIn: 365 },
        maximumNameLength: 100,
        requireName: true,
        // Past the prefix, so a list can tell tokens apart.
        startingCharactersConfig: { shouldStore: true, charactersLength: PERSONAL_TOKEN_PREFIX.length + 6 },
      }),
      ...(oidc
        ? [
            genericOAuth({
              config: [
                {
                  providerId: oidc.id,
                  name: oidc.name,
                  discoveryUrl: `${oidc.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
                  clientId: oidc.clientId,
                  clientSecret: oidc.clientSecret,
                  scopes: oidc.scopes,
                  pkce: true,
                  // Both: a caller asking for sign-up (`requestSignUp`) must not get past the setting.
                  disableImplicitSignUp: !oidc.signUp,
                  disableSignUp: !oidc.signUp,
                },
              ],
            }),
          ]
        : []),
    ],
    databaseHooks: databaseHooks(prisma, record, options.onSessionEnded),
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        if (ctx.path === '/sign-in/email') await signIn.before(ctx);
        await account.before(ctx);
      }),
      after: createAuthMiddleware(async (ctx) => {
        if (ctx.path === '/sign-in/email') await signIn.after(ctx);
        await account.after(ctx);
      }),
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;
