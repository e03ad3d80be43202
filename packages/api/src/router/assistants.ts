import { checkTemplates, searchTypeSchema } from '@aae/events';
import { inputVariableSchema } from '@aae/db';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { invalidField } from '../field-issues.ts';
import { idPage, idPageSchema, idSchema, nameSchema, visibilitySchema } from '../schemas.ts';
import { assertRepositoriesReadable, changeableAssistant, readableAssistant } from '../resource-access.ts';
import { scopedProcedure } from '../trpc.ts';

/** Assistants one person may keep: far more than anyone builds by hand, bounded for everyone's lists. */
export const MAX_ASSISTANTS_PER_PERSON = 500;

/** More than any form a person fills in; every execution's input is bounded by it. */
export const MAX_INPUT_VARIABLES = 50;

const promptInputSchema = z.object({
  name: z.string().trim().min(1, 'prompt name is required').max(200),
  position: z.number().int().positive().max(1_000),
  modelId: z.string().min(1).default('local'),
  content: z.string().min(1, 'prompt content is required').max(100_000),
  repositoryIds: z.array(idSchema).max(20).default([]),
  searchType: searchTypeSchema.default('hybrid'),
  enabledTools: z.array(z.string().min(1)).max(20).default([]),
  timeoutMs: z
    .number()
    .int()
    .min(1_000)
    .max(30 * 60_000)
    .nullish(),
  maxOutputTokens: z.number().int().min(1).max(100_000).nullish(),
});

export const createAssistantInputSchema = z
  .object({
    name: nameSchema,
    description: z.string().max(5_000).default(''),
    /** Private (the owner and admins) unless shared with everyone signed in. */
    visibility: visibilitySchema.default('private'),
    inputVariables: z.array(inputVariableSchema).max(MAX_INPUT_VARIABLES, `an assistant declares at most ${MAX_INPUT_VARIABLES} input variables`).default([]),
    prompts: z.array(promptInputSchema).min(1, 'an assistant needs at least one prompt').max(100),
  })
  .superRefine((value, ctx) => {
    const seenInputs = new Set<string>();
    value.inputVariables.forEach((variable, index) => {
      if (seenInputs.has(variable.name)) {
        ctx.addIssue({ code: 'custom', path: ['inputVariables', index, 'name'], message: `input variable "${variable.name}" is declared twice` });
      }
      seenInputs.add(variable.name);
    });
    const seenPrompts = new Set<string>();
    value.prompts.forEach((prompt, index) => {
      if (seenPrompts.has(prompt.name)) {
        ctx.addIssue({ code: 'custom', path: ['prompts', index, 'name'], message: `prompt name "${prompt.name}" is used twice` });
      }
      seenPrompts.add(prompt.name);
    });
    for (const issue of checkTemplates([...seenInputs], value.prompts)) {
      ctx.addIssue({ code: 'custom', path: ['prompts', issue.promptIndex, 'content'], message: issue.message });
    }
  });

const assistantIdSchema = z.object({ id: idSchema });

const read = scopedProcedure('assistants:read');
const write = scopedProcedure('assistants:write');

export const assistantsRouter = {
  /** The assistants the caller may see: their own, the shared ones, and for admins all. */
  list: read
    .input(z.object(idPageSchema).default({ limit: 50 }))
    .query(async ({ ctx, input }) =>
      idPage(await ctx.services.assistants.listSummaries(ctx.viewer, { afterId: input.cursor, limit: input.limit + 1 }), input.limit),
    ),
  get: read.input(assistantIdSchema).query(({ ctx, input }) => readableAssistant(ctx.services, ctx.viewer, input.id)),
  create: write.input(createAssistantInputSchema).mutation(async ({ ctx, input }) => {
    const unknown = input.prompts.findIndex((prompt) => !ctx.services.models.has(prompt.modelId));
    if (unknown >= 0) {
      const prompt = input.prompts[unknown]!;
      throw invalidField(
        ['prompts', unknown, 'modelId'],
        `Prompt "${prompt.name}" uses unknown model "${prompt.modelId}"; available: ${ctx.services.models.ids().join(', ')}`,
      );
    }
    for (const [index, prompt] of input.prompts.entries()) {
      const tool = prompt.enabledTools.find((name) => !ctx.services.tools.has(name));
      if (tool) {
        throw invalidField(
          ['prompts', index, 'enabledTools'],
          `Prompt "${prompt.name}" enables unknown tool "${tool}"; available: ${ctx.services.tools.names().join(', ')}`,
        );
      }
    }
    await assertRepositoriesReadable(ctx.services, ctx.viewer, input.prompts);
    if ((await ctx.services.assistants.countOwnedBy(ctx.identity.user.id)) >= MAX_ASSISTANTS_PER_PERSON) {
      throw new TRPCError({ code: 'CONFLICT', message: `You have ${MAX_ASSISTANTS_PER_PERSON} assistants, the most one person may keep; delete some first` });
    }
    return ctx.services.assistants.create({ ...input, ownerId: ctx.identity.user.id });
  }),
  /** Renames, redescribes or shares an assistant (its owner or an admin). */
  update: write
    .input(
      z.object({
        id: idSchema,
        name: nameSchema.optional(),
        description: z.string().max(5_000).optional(),
        visibility: visibilitySchema.optional(),
      }),
    )
    .mutation(async ({ ctx, input: { id, ...changes } }) => {
      await changeableAssistant(ctx.services, ctx.viewer, id);
      return ctx.services.assistants.update(id, changes);
    }),
  /** Deletes an assistant (its owner or an admin): no longer listed or run; past executions keep their history. */
  delete: write.input(assistantIdSchema).mutation(async ({ ctx, input }) => {
    await changeableAssistant(ctx.services, ctx.viewer, input.id);
    await ctx.services.assistants.delete(input.id);
    return { id: input.id };
  }),
  models: read.query(({ ctx }) => ctx.services.models.ids()),
  /** The tools a prompt may enable. */
  tools: read.query(({ ctx }) => ctx.services.tools.list()),
} satisfies TRPCRouterRecord;
