import { initTRPC, TRPCError } from '@trpc/server';
import { z, ZodError } from 'zod';
import type { Context } from './context.ts';
import { transformer } from './transformer.ts';

const t = initTRPC.context<Context>().create({
  transformer,
  sse: {
    ping: { enabled: true, intervalMs: 10_000 },
    // Long-lived streams are cut and resumed from the last event id, which also rebalances them.
    maxDurationMs: 15 * 60_000,
    client: { reconnectAfterInactivityMs: 25_000 },
  },
  errorFormatter({ shape, error }) {
    if (!(error.cause instanceof ZodError)) return { ...shape, data: { ...shape.data, zodError: null } };
    // One line a person can act on, naming each field, instead of the issues' JSON.
    const message = `Invalid input: ${error.cause.issues
      .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'input'}: ${issue.message}`)
      .join('; ')}`;
    return { ...shape, message, data: { ...shape.data, zodError: z.flattenError(error.cause) } };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure;

export const authedProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.user) {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: ctx.requestedUserName
        ? `Unknown user "${ctx.requestedUserName}"`
        : 'No user: send the x-aae-user header or the aae_user cookie',
    });
  }
  return next({ ctx: { ...ctx, user: ctx.user } });
});

export const adminProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.user.role !== 'admin') throw new TRPCError({ code: 'FORBIDDEN', message: 'Only admins may do this' });
  return next();
});
