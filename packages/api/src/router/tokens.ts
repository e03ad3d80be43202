import { createPersonalToken, roleScopes, SCOPE_DESCRIPTIONS, TOKEN_SCOPES } from '@aae/auth';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { idSchema } from '../schemas.ts';
import { sessionProcedure } from '../trpc.ts';

/** Personal access tokens, managed from a signed-in session: each person their own. */
export const tokensRouter = {
  /** The scopes a token may have, and which of them the caller's role allows. */
  scopes: sessionProcedure.query(({ ctx }) => {
    const allowed = new Set(roleScopes(ctx.identity.user.role));
    return TOKEN_SCOPES.map((scope) => ({ scope, description: SCOPE_DESCRIPTIONS[scope], allowed: allowed.has(scope) }));
  }),

  list: sessionProcedure.query(({ ctx }) => ctx.services.personalTokens.list(ctx.identity.user.id)),

  /** Creates a token; the returned `token` is shown this once (only its hash is kept). */
  create: sessionProcedure
    .input(
      z.object({
        name: z.string().trim().min(1, 'name is required').max(100),
        scopes: z
          .array(z.enum(TOKEN_SCOPES, { error: `scopes are ${TOKEN_SCOPES.join(', ')}` }))
          .min(1, 'choose at least one scope')
          .transform((scopes) => [...new Set(scopes)]),
        /** Days until it stops working; null for never. */
        expiresInDays: z.number().int().min(1).max(365).nullable().default(90),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const allowed = new Set(roleScopes(ctx.identity.user.role));
      const refused = input.scopes.filter((scope) => !allowed.has(scope));
      if (refused.length > 0) {
        throw new TRPCError({ code: 'FORBIDDEN', message: `Your role cannot grant ${refused.map((scope) => `"${scope}"`).join(', ')}` });
      }
      const created = await createPersonalToken(ctx.services.auth, { userId: ctx.identity.user.id, ...input });
      await ctx.services.audit.record({
        action: 'token-created',
        actorId: ctx.identity.user.id,
        subjectId: ctx.identity.user.id,
        subject: ctx.identity.user.email,
        ...ctx.origin,
        details: { tokenId: created.id, name: created.name, scopes: created.scopes, expiresAt: created.expiresAt?.toISOString() ?? null },
      });
      return created;
    }),

  /** Revokes one of the caller's tokens: it stops working at once (its open streams too) and stays listed as revoked. */
  revoke: sessionProcedure.input(z.object({ tokenId: idSchema })).mutation(async ({ ctx, input }) => {
    if (!(await ctx.services.personalTokens.revoke(ctx.identity.user.id, input.tokenId))) {
      throw new TRPCError({ code: 'NOT_FOUND', message: `Token ${input.tokenId} does not exist` });
    }
    ctx.services.bus.revokeAccess(`token:${input.tokenId}`, 'token-revoked');
    await ctx.services.audit.record({
      action: 'token-revoked',
      actorId: ctx.identity.user.id,
      subjectId: ctx.identity.user.id,
      subject: ctx.identity.user.email,
      ...ctx.origin,
      details: { tokenId: input.tokenId },
    });
    return { tokenId: input.tokenId, revoked: true as const };
  }),
} satisfies TRPCRouterRecord;
