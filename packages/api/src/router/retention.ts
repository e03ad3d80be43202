import { MAX_KEEP_DAYS } from '@aae/db';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { idSchema } from '../schemas.ts';
import { adminProcedure } from '../trpc.ts';

/** Which policy: an assistant's, or (null or absent) the installation-wide one. */
const scopeSchema = z.object({ assistantId: idSchema.nullish().transform((id) => id ?? null) });

const keepDaysSchema = z
  .number({ error: 'keepDays must be a number of days' })
  .int('keepDays must be a whole number of days')
  .min(1, 'keepDays must be at least 1 day')
  .max(MAX_KEEP_DAYS, `keepDays must be at most ${MAX_KEEP_DAYS} days (100 years); remove the policy to keep forever`);

const policyName = (assistantId: number | null) => (assistantId === null ? 'installation-wide' : `assistant ${assistantId}`);

export const retentionRouter = {
  /** Every policy, installation-wide first, each with the executions and events a sweep would delete now (admins). */
  policies: adminProcedure.query(({ ctx }) => ctx.services.retention.list()),

  /**
   * Keeps finished executions (and their events) for `keepDays` after they finished, for one
   * assistant or, without one, for every assistant that has no policy of its own (admins).
   * Workers delete what it no longer keeps at their next sweep.
   */
  set: adminProcedure.input(scopeSchema.extend({ keepDays: keepDaysSchema })).mutation(async ({ ctx, input }) => {
    const saved = await ctx.services.retention.set({ assistantId: input.assistantId, keepDays: input.keepDays, updatedById: ctx.identity.user.id });
    await ctx.services.audit.record({
      action: 'retention-set',
      actorId: ctx.identity.user.id,
      subject: policyName(input.assistantId),
      ...ctx.origin,
      details: { assistantId: input.assistantId, keepDays: input.keepDays, previousKeepDays: saved.previousKeepDays },
    });
    return { id: saved.id, assistantId: input.assistantId, keepDays: input.keepDays, previousKeepDays: saved.previousKeepDays };
  }),

  /** Removes a policy (admins): an assistant falls back to the installation-wide one; with none, everything is kept. */
  remove: adminProcedure.input(scopeSchema).mutation(async ({ ctx, input }) => {
    const removed = await ctx.services.retention.remove({ assistantId: input.assistantId });
    if (removed) {
      await ctx.services.audit.record({
        action: 'retention-removed',
        actorId: ctx.identity.user.id,
        subject: policyName(input.assistantId),
        ...ctx.origin,
        details: { assistantId: input.assistantId, keepDays: removed.keepDays },
      });
    }
    return { removed: removed !== null };
  }),

  /** Sweeps now, in this process (admins): what it deleted, per policy; written to the audit log when it deleted something. */
  runNow: adminProcedure.mutation(({ ctx }) => ctx.services.retentionJob.runNow({ actorId: ctx.identity.user.id, ...ctx.origin })),
} satisfies TRPCRouterRecord;
