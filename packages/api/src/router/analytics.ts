import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { idSchema, dateSchema } from '../schemas.ts';
import { adminProcedure } from '../trpc.ts';

const range = z
  .object({
    from: dateSchema.optional(),
    to: dateSchema.optional(),
  })
  .refine((value) => !value.from || !value.to || value.from < value.to, { message: '`from` must be before `to`', path: ['from'] })
  .default({});

/** The seed document's analytics questions (and a few more) as typed procedures; admins only. */
export const analyticsRouter = {
  executionTimeByAssistant: adminProcedure.input(range).query(({ ctx, input }) => ctx.services.analytics.executionTimeByAssistant(input)),
  errorRateByAssistant: adminProcedure.input(range).query(({ ctx, input }) => ctx.services.analytics.errorRateByAssistant(input)),
  mostUsedRepositories: adminProcedure
    .input(z.object({ from: dateSchema.optional(), to: dateSchema.optional(), limit: z.number().int().min(1).max(100).default(20) }).default({ limit: 20 }))
    .query(({ ctx, input }) => ctx.services.analytics.mostUsedRepositories(input, input.limit)),
  averagePromptDuration: adminProcedure
    .input(z.object({ from: dateSchema.optional(), to: dateSchema.optional(), executionId: idSchema.optional() }).default({}))
    .query(({ ctx, input }) => ctx.services.analytics.averagePromptDuration(input)),
  executionsOverTime: adminProcedure
    .input(z.object({ from: dateSchema.optional(), to: dateSchema.optional(), bucket: z.enum(['hour', 'day']).default('day') }).default({ bucket: 'day' }))
    .query(({ ctx, input }) => ctx.services.analytics.executionsOverTime(input)),
  durationPercentiles: adminProcedure.input(range).query(({ ctx, input }) => ctx.services.analytics.durationPercentiles(input)),
  tokensByModel: adminProcedure.input(range).query(({ ctx, input }) => ctx.services.analytics.tokensByModel(input)),
} satisfies TRPCRouterRecord;
