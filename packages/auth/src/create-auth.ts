import type { AuditLog, PrismaClient } from '@aae/db';
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
const CALLER_MISTAKES = ['Invalid password', 'User not found', 'Failed to validate API key', 'Credential account not found', 'account_not_linked', 'signup_disabled'];

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
  oidc?: OidcProviderConfig | undefined;
  throttle?: SignInThrottle | undefined;
  audit: AuditLog;
  logger?: Pick<Console, 'info' | 'warn' | 'error'>;
}

function clientAddress(headers: Headers | undefined): string | null {
  return headers?.get(CLIENT_ADDRESS_HEADER) ?? null;
}

function retryMessage(ms: number): string {
  const minutes = Math.ceil(ms / 60_000);
  return `Too many failed sign-ins; try again in ${minutes === 1 ? 'a minute' : `${minutes} minutes`}`;
}

/**
 * better-auth for this product: email and password (no self sign-up: admins create people),
 * optional OIDC single sign-on, sessions in HttpOnly SameSite=Lax cookies, personal access tokens
 * (the api-key plugin) with scopes. Disabled accounts cannot start a session; sign-ins, failures,
 * sign-outs and password changes go to the audit log; failed password sign-ins are throttled.
 */
export function createAuth(options: AuthOptions) {
  const { prisma, audit, throttle, oidc } = options;
  const logger = options.logger ?? console;
  const record = (entry: Parameters<AuditLog['record']>[0]) =>
    audit.record(entry).catch((error: unknown) => logger.error('[auth] could not write the audit log:', error));

  return betterAuth({
    appName: 'Assistant Architect Events',
    baseURL: options.baseURL,
    basePath: '/api/auth',
    secret: options.secret,
    database: prismaAdapter(prisma, { provider: 'postgresql' }),
    telemetry: { enabled: false },
    // Tokens are made, listed and revoked through the API (scopes, audit log), never these routes.
    disabledPaths: ['/api-key/create', '/api-key/get', '/api-key/update', '/api-key/delete', '/api-key/list', '/api-key/delete-all-expired-api-keys'],
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
    // People an admin created (by email) sign in through the configured provider with the same
    // address. Nobody signs up by themselves here, so an account's address was set by an admin and
    // need not have been verified by mail before the provider's sign-in joins it.
    account: { accountLinking: { enabled: true, trustedProviders: oidc ? [oidc.id] : [], requireLocalEmailVerified: false } },
    session: { expiresIn: SESSION_SECONDS, updateAge: 24 * 3600 },
    advanced: {
      database: { generateId: 'serial' },
      cookiePrefix: 'aae',
      ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER] },
    },
    logger: {
      level: 'warn',
      log(level, message, ...args) {
        // A wrong password or token is the caller's mistake, answered with 401 and kept in the audit log.
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
                  disableImplicitSignUp: !oidc.signUp,
                },
              ],
            }),
          ]
        : []),
    ],
    databaseHooks: {
      session: {
        create: {
          async before(session) {
            const user = await prisma.user.findUnique({ where: { id: Number(session.userId) }, select: { disabledAt: true } });
            if (!user || user.disabledAt) {
              throw new APIError('FORBIDDEN', { message: 'This account is disabled; ask an admin to enable it', code: 'ACCOUNT_DISABLED' });
            }
          },
          async after(session, context) {
            const user = await prisma.user.findUnique({ where: { id: Number(session.userId) }, select: { email: true } });
            const provider = (context?.params as { id?: string } | undefined)?.id;
            await record({
              action: 'sign-in',
              actorId: Number(session.userId),
              subjectId: Number(session.userId),
              subject: user?.email,
              ipAddress: session.ipAddress,
              userAgent: session.userAgent,
              details: { method: provider ? `sso:${provider}` : 'password' },
            });
          },
        },
      },
    },
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        const address = clientAddress(ctx.request?.headers);
        if (ctx.path === '/sign-in/email' && throttle) {
          const email = typeof ctx.body?.email === 'string' ? ctx.body.email : '';
          const waitMs = await throttle.retryAfterMs(email, address);
          if (waitMs > 0) {
            await record({ action: 'sign-in-throttled', subject: email, ipAddress: address, userAgent: ctx.request?.headers.get('user-agent') });
            throw new APIError(
              'TOO_MANY_REQUESTS',
              { message: retryMessage(waitMs), code: 'TOO_MANY_ATTEMPTS' },
              { 'Retry-After': String(Math.ceil(waitMs / 1000)) },
            );
          }
        }
        if (ctx.path === '/sign-out') {
          const current = await getSessionFromCtx(ctx).catch(() => null);
          if (current) {
            await record({
              action: 'sign-out',
              actorId: Number(current.user.id),
              subjectId: Number(current.user.id),
              subject: current.user.email,
              ipAddress: address,
              userAgent: ctx.request?.headers.get('user-agent'),
            });
          }
        }
      }),
      after: createAuthMiddleware(async (ctx) => {
        const address = clientAddress(ctx.request?.headers);
        const userAgent = ctx.request?.headers.get('user-agent');
        const returned = ctx.context.returned;
        if (ctx.path === '/sign-in/email') {
          const email = typeof ctx.body?.email === 'string' ? ctx.body.email : '';
          if (ctx.context.newSession) {
            await throttle?.succeeded(email, address);
          } else if (isAPIError(returned) && returned.statusCode === 401) {
            await throttle?.failed(email, address);
            await record({ action: 'sign-in-failed', subject: email, ipAddress: address, userAgent, details: { method: 'password' } });
          }
        }
        if (ctx.path === '/change-password' && !isAPIError(returned) && ctx.context.session) {
          const { user } = ctx.context.session;
          await record({ action: 'password-changed', actorId: Number(user.id), subjectId: Number(user.id), subject: user.email, ipAddress: address, userAgent });
        }
        if (ctx.path.startsWith('/callback/') && !ctx.context.newSession) {
          const location = isAPIError(returned) ? new Headers(returned.headers).get('location') : null;
          const reason = location ? (new URL(location, options.baseURL).searchParams.get('error') ?? 'unknown') : 'unknown';
          const provider = (ctx.params as { id?: string } | undefined)?.id ?? 'unknown';
          await record({ action: 'sign-in-failed', ipAddress: address, userAgent, details: { method: `sso:${provider}`, reason } });
        }
      }),
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;
