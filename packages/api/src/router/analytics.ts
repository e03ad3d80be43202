import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { dateSchema, idSchema } from '../schemas.ts';
import { adminProcedure } from '../trpc.ts';

/** What every question takes: a range of time, and optionally one assistant or one person. */
const filterShape = {
  from: dateSchema.optional(),
  to: dateSchema.optional(),
  assistantId: idSchema.optional(),
  userId: idSchema.optional(),
};

/** `from` before `to`, checked on each question's input. */
const fromBeforeTo = (value: { from?: Date | undefined; to?: Date | undefined }) => !value.from || !value.to || value.from < value.to;
const outOfOrder = { message: '`from` must be before `to`', path: ['from'] };

const plain = z.object(filterShape).refine(fromBeforeTo, outOfOrder).prefault({});

/** The seed document's analytics questions (and a few more) as typed procedures; admins only. */
export const analyticsRouter = {
  executionTimeByAssistant: adminProcedure.input(plain).query(({ ctx, input }) => ctx.services.analytics.executionTimeByAssistant(input)),
  errorRateByAssistant: adminProcedure.input(plain).query(({ ctx, input }) => ctx.services.analytics.errorRateByAssistant(input)),
  mostUsedRepositories: adminProcedure
    .input(
      z
        .object({ ...filterShape, limit: z.number().int().min(1).max(100).default(20) })
        .refine(fromBeforeTo, outOfOrder)
        .prefault({}),
    )
    .query(({ ctx, input }) => ctx.services.analytics.mostUsedRepositories(input, input.limit)),
  averagePromptDuration: adminProcedure
    .input(
      z
        .object({ ...filterShape, executionId: idSchema.optional() })
        .refine(fromBeforeTo, outOfOrder)
        .prefault({}),
    )
    .query(({ ctx, input }) => ctx.services.analytics.averagePromptDuration(input)),
  executionsOverTime: adminProcedure
    .input(
      z
        .object({ ...filterShape, bucket: z.enum(['hour', 'day']).default('day') })
        .refine(fromBeforeTo, outOfOrder)
        .prefault({}),
    )
    .query(({ ctx, input }) => ctx.services.analytics.executionsOverTime(input)),
  durationPercentiles: adminProcedure.input(plain).query(({ ctx, input }) => ctx.services.analytics.durationPercentiles(input)),
  tokensByModel: adminProcedure.input(plain).query(({ ctx, input }) => ctx.services.analytics.tokensByModel(input)),
} satisfies TRPCRouterRecord;
