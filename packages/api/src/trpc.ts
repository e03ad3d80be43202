import { describeIssues } from '@aae/events';
import type { Identity, TokenScope } from '@aae/auth';
import type { Viewer } from '@aae/db';
import { LimitReachedError } from '@aae/runtime';
import { initTRPC, TRPCError } from '@trpc/server';
import { z, ZodError } from 'zod';
import type { Context } from './context.ts';
import { domainError, withDomainErrors } from './domain-errors.ts';
import { fieldIssuesOf } from './field-issues.ts';
import { findUnstorableText } from './storable-text.ts';
import { InputMetaError, transformer } from './transformer.ts';

/** Streams are cut after this long and resumed from their last event id, which also rebalances them. */
export const STREAM_MAX_DURATION_MS = 15 * 60_000;

const t = initTRPC.context<Context>().create({
  transformer,
  // No stack traces in answers, whatever NODE_ENV says: they name the server's files. The log has them.
  isDev: false,
  sse: {
    ping: { enabled: true, intervalMs: 10_000 },
    maxDurationMs: STREAM_MAX_DURATION_MS,
    client: { reconnectAfterInactivityMs: 25_000 },
  },
  errorFormatter({ shape, error, ctx }) {
    if (error.code === 'INTERNAL_SERVER_ERROR') {
      // Nothing of the cause (SQL, Prisma, paths) reaches the caller; the log has it under this id.
      const requestId = ctx?.requestId ?? null;
      const message = `The server failed${requestId ? ` (request ${requestId})` : ''}; its log has the details`;
      return { ...shape, message, data: { ...shape.data, zodError: null, requestId } };
    }
    if (error.code === 'PAYLOAD_TOO_LARGE') {
      return { ...shape, message: 'The request body is too large', data: { ...shape.data, zodError: null } };
    }
    if (error.cause instanceof LimitReachedError) {
      return { ...shape, data: { ...shape.data, zodError: null, limit: error.cause.limit, retryAfterSeconds: error.cause.retryAfterSeconds } };
    }
    if (error.cause instanceof InputMetaError) {
      return { ...shape, message: `Invalid input: ${error.cause.message}`, data: { ...shape.data, zodError: null } };
    }
    // Each field at fault by its whole path, so a form can show the message beside that field.
    const fieldIssues = fieldIssuesOf(error.cause);
    if (!(error.cause instanceof ZodError)) return { ...shape, data: { ...shape.data, zodError: null, fieldIssues } };
    // One line a person can act on, naming each field, instead of the issues' JSON.
    const message = `Invalid input: ${describeIssues(error.cause)}`;
    return { ...shape, message, data: { ...shape.data, zodError: z.flattenError(error.cause), fieldIssues } };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> => typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/**
 * Every procedure: its input's text is storable (see `findUnstorableText`) before any schema or
 * handler sees it, so no field can forget the rule; the error names the field. Domain errors are
 * answered with their codes (see `domainError`).
 */
const procedure = t.procedure.use(async ({ getRawInput, next }) => {
  const unstorable = findUnstorableText(await getRawInput());
  if (unstorable) throw new TRPCError({ code: 'BAD_REQUEST', message: `Invalid input: ${unstorable.path || 'input'}: ${unstorable.problem}` });
  const result = await next();
  // The one place domain errors become codes: a procedure's, and a subscription's while it streams.
  if (!result.ok) throw domainError(result.error) ?? result.error;
  return isAsyncIterable(result.data) ? { ...result, data: withDomainErrors(result.data) } : result;
});

/** Anyone, signed in or not: the first-run set-up and the sign-in page's options. */
export const publicProcedure = procedure;

/** Admins' powers need the role and, on a token, the `admin` scope; otherwise an admin sees as a member. */
export function viewerOf(identity: Identity): Viewer {
  return { userId: identity.user.id, isAdmin: identity.user.role === 'admin' && identity.scopes.has('admin') };
}

const WATCH_ONLY = 'A watch token only reads the events and output of its one execution';

const signedIn = t.middleware(({ ctx, next }) => {
  if (!ctx.identity) throw unauthorized(ctx.authProblem);
  return next({ ctx: { ...ctx, identity: ctx.identity, viewer: viewerOf(ctx.identity) } });
});

/** Any signed-in person or personal access token, whatever its scopes; not a watch token. */
export const signedInProcedure = procedure.use(signedIn).use(({ ctx, next }) => {
  if (ctx.identity.via === 'watch') throw new TRPCError({ code: 'FORBIDDEN', message: WATCH_ONLY });
  return next();
});

/** Only from a signed-in browser session: tokens cannot manage tokens. */
export const sessionProcedure = signedInProcedure.use(({ ctx, next }) => {
  if (ctx.identity.via !== 'session') {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'Personal access tokens are managed from a signed-in session, not with a token' });
  }
  return next();
});

/**
 * Needs `scope`: a session has every scope of its role, a token those it was given. A watch token
 * passes only where `watch` is set, and the caller then checks its execution.
 */
export function assertScope(identity: Identity, scope: TokenScope, options: { watch?: boolean } = {}): void {
  if (identity.via === 'watch') {
    if (!options.watch) throw new TRPCError({ code: 'FORBIDDEN', message: WATCH_ONLY });
  } else if (scope === 'admin' && identity.user.role !== 'admin') {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'Only admins may do this' });
  } else if (!identity.scopes.has(scope)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `This token lacks the "${scope}" scope` });
  }
}

/** The caller must be signed in and hold `scope` (see `assertScope`). */
export function scopedProcedure(scope: TokenScope, options: { watch?: boolean } = {}) {
  return procedure.use(signedIn).use(({ ctx, next }) => {
    assertScope(ctx.identity, scope, options);
    return next();
  });
}

/** The refusal for a request without a usable credential. */
export function unauthorized(authProblem: string | null): TRPCError {
  return new TRPCError({ code: 'UNAUTHORIZED', message: authProblem ?? 'Sign in first: send a session cookie or an Authorization: Bearer token' });
}

export const adminProcedure = scopedProcedure('admin');
