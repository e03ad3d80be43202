import { MAX_WATCH_TOKEN_SECONDS } from '@aae/auth';
import type { Assistant } from '@aae/db';
import { EXECUTION_SORTS, eventTypeSchema, executionStatusSchema } from '@aae/events';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { idSchema, dateSchema } from '../schemas.ts';
import { MAX_INPUT_VARIABLES } from './assistants.ts';
import { assertCanReadExecution, executionListScope } from '../execution-access.ts';
import { assertRepositoriesReadable, readableAssistant } from '../resource-access.ts';
import { scopedProcedure } from '../trpc.ts';

const read = scopedProcedure('executions:read');
const write = scopedProcedure('executions:write');

const executionIdSchema = z.object({ executionId: idSchema });

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

/** An execution's whole input: enough for a long pasted text, small enough to list and replay. */
const MAX_INPUT_CHARACTERS = 200_000;

export const executionsRouter = {
  /** Queues an execution and returns its id at once; a worker runs it in the background. */
  execute: write
    .input(
      z.object({
        assistantId: idSchema,
        input: z
          .record(z.string().max(100), z.string().max(100_000))
          .refine((values) => Object.keys(values).length <= MAX_INPUT_VARIABLES, `at most ${MAX_INPUT_VARIABLES} values`)
          .refine(
            (values) => Object.values(values).reduce((total, value) => total + value.length, 0) <= MAX_INPUT_CHARACTERS,
            `at most ${MAX_INPUT_CHARACTERS.toLocaleString('en')} characters in all`,
          )
          .default({}),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const assistant = await readableAssistant(ctx.services, ctx.viewer, input.assistantId);
      const values = validateExecutionInput(assistant, input.input);
      // A shared assistant may name a repository its runner may not read: it then cannot run for them.
      await assertRepositoriesReadable(ctx.services, ctx.viewer, assistant.prompts);
      // Counted and created one at a time in this process, so a batch of starts cannot all pass one count.
      const executionId = await ctx.services.usageLimits.startExecution(ctx.identity.user, () =>
        ctx.services.executions.create({ assistantId: assistant.id, assistantVersion: assistant.version, userId: ctx.identity.user.id, input: values }),
      );
      // Queued: a worker of this process or another claims it (the notification only hurries them).
      await ctx.services.queue.notifyWork().catch((error: unknown) => console.warn(`[queue] could not notify workers: ${String(error)}`));
      return { executionId };
    }),

  /**
   * Stops a running execution at its next safe point (owner or admin). It ends with a recoverable
   * `execution-error` naming who cancelled it; a run on another server process stops within one
   * heartbeat.
   */
  cancel: write.input(executionIdSchema).mutation(async ({ ctx, input }) => {
    await assertCanReadExecution(ctx.services, ctx.identity, input.executionId);
    const by = ctx.identity.user.name;
    const requested = await ctx.services.executions.requestCancel(input.executionId, by);
    if (!requested) {
      throw new TRPCError({ code: 'CONFLICT', message: `Execution ${input.executionId} has already finished` });
    }
    // Still waiting in the queue: closed here and now. Otherwise the worker running it stops it.
    const closed = await ctx.services.queue.cancelQueued(input.executionId, by);
    if (closed && closed.length > 0) {
      ctx.services.bus.publish(closed);
      return { executionId: input.executionId, cancelled: true as const, stoppedHere: true };
    }
    const here = ctx.services.runner.cancel(input.executionId, by);
    if (!here) await ctx.services.queue.notifyCancel(input.executionId).catch(() => {});
    return { executionId: input.executionId, cancelled: true as const, stoppedHere: here };
  }),

  /**
   * One execution with its prompts' outputs, the version of the assistant it ran (`assistantVersion`)
   * and that version's prompts in order (`plan`), whatever was saved since (also with a watch token for it).
   */
  get: scopedProcedure('executions:read', { watch: true })
    .input(executionIdSchema)
    .query(async ({ ctx, input }) => {
      await assertCanReadExecution(ctx.services, ctx.identity, input.executionId);
      const execution = await ctx.services.executions.get(input.executionId);
      if (!execution) throw new TRPCError({ code: 'NOT_FOUND', message: `Execution ${input.executionId} does not exist` });
      return execution;
    }),

  /**
   * A page of executions, newest first unless sorted otherwise. A user sees their own; an admin
   * sees everyone's (or only theirs with `mine`) and may filter by user.
   */
  list: read
    .input(
      z
        .object({
          cursor: z.string().max(200).nullish(),
          limit: z.number().int().min(1).max(100).default(20),
          mine: z.boolean().default(false),
          assistantId: idSchema.optional(),
          assistantName: z.string().trim().max(200).optional(),
          userName: z.string().trim().max(200).optional(),
          status: executionStatusSchema.optional(),
          from: dateSchema.optional(),
          to: dateSchema.optional(),
          eventType: eventTypeSchema.optional(),
          sort: z.enum(EXECUTION_SORTS).default('createdAt'),
          order: z.enum(['asc', 'desc']).default('desc'),
        })
        .refine((value) => !value.from || !value.to || value.from < value.to, { message: '`from` must be before `to`', path: ['from'] })
        .default({ limit: 20, mine: false, sort: 'createdAt', order: 'desc' }),
    )
    .query(async ({ ctx, input }) => {
      const { mine, userName, ...filters } = input;
      return ctx.services.executions.list({
        ...filters,
        ...executionListScope(ctx.viewer, { mine, userName }),
        assistantName: filters.assistantName || undefined,
        cursor: filters.cursor ?? undefined,
      });
    }),

  /**
   * A token that reads this one execution's events and output for at most 15 minutes, for
   * clients that cannot send headers (a plain EventSource, an embedded page): pass it as
   * `?token=` or as the bearer token.
   */
  createWatchToken: read
    .input(
      z.object({
        executionId: idSchema,
        ttlSeconds: z.number().int().min(10).max(MAX_WATCH_TOKEN_SECONDS).default(MAX_WATCH_TOKEN_SECONDS),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await assertCanReadExecution(ctx.services, ctx.identity, input.executionId);
      const { token, expiresAt } = await ctx.services.watchTokens.issue({
        userId: ctx.identity.user.id,
        executionId: input.executionId,
        ttlSeconds: input.ttlSeconds,
      });
      return { token, expiresAt, executionId: input.executionId };
    }),
} satisfies TRPCRouterRecord;
