import { EXECUTION_SORTS, InvalidCursorError, type Assistant } from '@aae/db';
import { eventTypeSchema } from '@aae/events';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { assertCanReadExecution, executionListScope } from '../execution-access.ts';
import { withoutNul } from '../storable-text.ts';
import { authedProcedure } from '../trpc.ts';

const executionIdSchema = z.object({ executionId: z.number().int().positive() });

/** Checks an execution's input against what the assistant declares; names the offending variable. */
function validateExecutionInput(assistant: Assistant, input: Record<string, string>): Record<string, string> {
  const declared = new Map(assistant.inputVariables.map((variable) => [variable.name, variable]));
  for (const name of Object.keys(input)) {
    if (!declared.has(name)) {
      const known = [...declared.keys()].join(', ') || 'none';
      throw new TRPCError({ code: 'BAD_REQUEST', message: `Unknown input variable "${name}"; "${assistant.name}" declares: ${known}` });
    }
  }
  const clean: Record<string, string> = {};
  for (const variable of assistant.inputVariables) {
    const value = input[variable.name]?.trim() ?? '';
    if (value === '') {
      if (variable.required) {
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: `Missing required input variable "${variable.name}" (${variable.label})`,
        });
      }
      continue;
    }
    if (variable.type === 'number' && !Number.isFinite(Number(value))) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: `Input variable "${variable.name}" must be a number, got "${value}"` });
    }
    clean[variable.name] = value;
  }
  return clean;
}

export const executionsRouter = {
  /** Starts an execution and returns its id at once; the run continues in the background. */
  execute: authedProcedure
    .input(
      z.object({
        assistantId: z.number().int().positive(),
        input: z.record(z.string().refine(...withoutNul), z.string().max(100_000).refine(...withoutNul)).default({}),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const assistant = await ctx.services.assistants.get(input.assistantId);
      if (!assistant) throw new TRPCError({ code: 'NOT_FOUND', message: `Assistant ${input.assistantId} does not exist` });
      const values = validateExecutionInput(assistant, input.input);
      const executionId = await ctx.services.executions.create({ assistantId: assistant.id, userId: ctx.user.id, input: values });
      ctx.services.runner.start(executionId, assistant, values);
      return { executionId };
    }),

  /**
   * Stops a running execution at its next safe point (owner or admin). It ends with a recoverable
   * `execution-error` naming who cancelled it; a run on another server process stops within one
   * heartbeat.
   */
  cancel: authedProcedure.input(executionIdSchema).mutation(async ({ ctx, input }) => {
    await assertCanReadExecution(ctx.services, ctx.user, input.executionId);
    const requested = await ctx.services.executions.requestCancel(input.executionId, ctx.user.name);
    if (!requested) {
      throw new TRPCError({ code: 'CONFLICT', message: `Execution ${input.executionId} has already finished` });
    }
    const here = ctx.services.runner.cancel(input.executionId, ctx.user.name);
    return { executionId: input.executionId, cancelled: true as const, stoppedHere: here };
  }),

  get: authedProcedure.input(executionIdSchema).query(async ({ ctx, input }) => {
    await assertCanReadExecution(ctx.services, ctx.user, input.executionId);
    const execution = await ctx.services.executions.get(input.executionId);
    if (!execution) throw new TRPCError({ code: 'NOT_FOUND', message: `Execution ${input.executionId} does not exist` });
    return execution;
  }),

  /**
   * A page of executions, newest first unless sorted otherwise. A user sees their own; an admin
   * sees everyone's (or only theirs with `mine`) and may filter by user.
   */
  list: authedProcedure
    .input(
      z
        .object({
          cursor: z.string().max(200).nullish(),
          limit: z.number().int().min(1).max(100).default(20),
          mine: z.boolean().default(false),
          assistantId: z.number().int().positive().optional(),
          assistantName: z.string().trim().max(200).optional(),
          userName: z.string().trim().max(200).optional(),
          status: z.enum(['pending', 'running', 'completed', 'failed']).optional(),
          from: z.date().optional(),
          to: z.date().optional(),
          eventType: eventTypeSchema.optional(),
          sort: z.enum(EXECUTION_SORTS).default('createdAt'),
          order: z.enum(['asc', 'desc']).default('desc'),
        })
        .refine((value) => !value.from || !value.to || value.from < value.to, { message: '`from` must be before `to`', path: ['from'] })
        .default({ limit: 20, mine: false, sort: 'createdAt', order: 'desc' }),
    )
    .query(async ({ ctx, input }) => {
      const { mine, userName, ...filters } = input;
      try {
        return await ctx.services.executions.list({
          ...filters,
          ...executionListScope(ctx.user, { mine, userName }),
          assistantName: filters.assistantName || undefined,
          cursor: filters.cursor ?? undefined,
        });
      } catch (error) {
        if (error instanceof InvalidCursorError) throw new TRPCError({ code: 'BAD_REQUEST', message: error.message, cause: error });
        throw error;
      }
    }),
} satisfies TRPCRouterRecord;
