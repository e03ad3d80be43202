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

/** The filters plus a question's own fields, with `from` before `to` checked; all optional. */
function filters<Extra extends z.ZodRawShape>(extra: Extra) {
  return z
    .object({ ...filterShape, ...extra })
    .refine((value) => !value.from || !value.to || value.from < value.to, { message: '`from` must be before `to`', path: ['from'] })
    .prefault({});
}

const plain = filters({});

/** The seed document's analytics questions (and a few more) as typed procedures; admins only. */
export const analyticsRouter = {
  executionTimeByAssistant: adminProcedure.input(plain).query(({ ctx, input }) => ctx.services.analytics.executionTimeByAssistant(input)),
  errorRateByAssistant: adminProcedure.input(plain).query(({ ctx, input }) => ctx.services.analytics.errorRateByAssistant(input)),
  mostUsedRepositories: adminProcedure
    .input(filters({ limit: z.number().int().min(1).max(100).default(20) }))
    .query(({ ctx, input }) => ctx.services.analytics.mostUsedRepositories(input, input.limit)),
  averagePromptDuration: adminProcedure
    .input(filters({ executionId: idSchema.optional() }))
    .query(({ ctx, input }) => ctx.services.analytics.averagePromptDuration(input)),
  executionsOverTime: adminProcedure
    .input(filters({ bucket: z.enum(['hour', 'day']).default('day') }))
    .query(({ ctx, input }) => ctx.services.analytics.executionsOverTime(input)),
  durationPercentiles: adminProcedure.input(plain).query(({ ctx, input }) => ctx.services.analytics.durationPercentiles(input)),
  tokensByModel: adminProcedure.input(plain).query(({ ctx, input }) => ctx.services.analytics.tokensByModel(input)),
} satisfies TRPCRouterRecord;
