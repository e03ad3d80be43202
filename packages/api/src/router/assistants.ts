import { checkTemplates, searchTypeSchema } from '@aae/events';
import { inputVariableSchema, type Viewer } from '@aae/db';
import type { AppServices } from '@aae/runtime';
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
    .int('timeout must be a whole number of milliseconds')
    .min(1_000, 'timeout must be at least 1 second (1000 ms)')
    .max(30 * 60_000, 'timeout must be at most 30 minutes (1800000 ms)')
    .nullish(),
  maxOutputTokens: z
    .number()
    .int('output limit must be a whole number of tokens')
    .min(1, 'output limit must be at least 1 token')
    .max(100_000, 'output limit must be at most 100000 tokens')
    .nullish(),
});

/** What a version holds: name, description, form and prompts. */
const contentFields = {
  name: nameSchema,
  description: z.string().max(5_000).default(''),
  inputVariables: z.array(inputVariableSchema).max(MAX_INPUT_VARIABLES, `an assistant declares at most ${MAX_INPUT_VARIABLES} input variables`).default([]),
};

/** Names used once each, and templates that name only declared inputs and earlier prompts. */
function checkContent(
  value: { inputVariables: ReadonlyArray<{ name: string }>; prompts: ReadonlyArray<{ name: string; content: string; position: number }> },
  ctx: z.RefinementCtx,
) {
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
}

export const createAssistantInputSchema = z
  .object({
    ...contentFields,
    /** Private (the owner and admins) unless shared with everyone signed in. */
    visibility: visibilitySchema.default('private'),
    prompts: z.array(promptInputSchema).min(1, 'an assistant needs at least one prompt').max(100),
  })
  .superRefine(checkContent);

export const saveAssistantInputSchema = z
  .object({
    id: idSchema,
    /** The version these changes were made to: the save is refused when another was saved since. */
    baseVersion: z.number().int().positive().max(2_147_483_646, 'is not a version number (too large)'),
    ...contentFields,
    /** Who may see it, set with the version (left as it is when absent). */
    visibility: visibilitySchema.optional(),
    prompts: z
      .array(
        promptInputSchema.extend({
          /** The prompt (of an earlier version) this one continues, so that versions compare prompt by prompt; absent for a new prompt. */
          id: idSchema.optional(),
        }),
      )
      .min(1, 'an assistant needs at least one prompt')
      .max(100)
      .refine((prompts) => {
        const ids = prompts.flatMap((prompt) => (prompt.id === undefined ? [] : [prompt.id]));
        return new Set(ids).size === ids.length;
      }, 'two prompts continue the same prompt (the same id)'),
  })
  .superRefine(checkContent);

/** The models, tools and repositories the prompts use must exist (and the repositories be readable by the saver). */
async function assertPromptsUsable(
  services: AppServices,
  viewer: Viewer,
  prompts: ReadonlyArray<{ name: string; modelId: string; enabledTools: readonly string[]; repositoryIds: readonly number[] }>,
): Promise<void> {
  const unknown = prompts.findIndex((prompt) => !services.models.has(prompt.modelId));
  if (unknown >= 0) {
    const prompt = prompts[unknown]!;
    throw invalidField(
      ['prompts', unknown, 'modelId'],
      `Prompt "${prompt.name}" uses unknown model "${prompt.modelId}"; available: ${services.models.ids().join(', ')}`,
    );
  }
  for (const [index, prompt] of prompts.entries()) {
    const tool = prompt.enabledTools.find((name) => !services.tools.has(name));
    if (tool) {
      throw invalidField(
        ['prompts', index, 'enabledTools'],
        `Prompt "${prompt.name}" enables unknown tool "${tool}"; available: ${services.tools.names().join(', ')}`,
      );
    }
  }
  await assertRepositoriesReadable(services, viewer, prompts);
}

async function assertMayCreate(services: AppServices, userId: number): Promise<void> {
  if ((await services.assistants.countOwnedBy(userId)) >= MAX_ASSISTANTS_PER_PERSON) {
    throw new TRPCError({ code: 'CONFLICT', message: `You have ${MAX_ASSISTANTS_PER_PERSON} assistants, the most one person may keep; delete some first` });
  }
}

const assistantIdSchema = z.object({ id: idSchema });

const read = scopedProcedure('assistants:read');
const write = scopedProcedure('assistants:write');

/** "Name (copy)", within the longest name allowed. */
function copyName(name: string): string {
  const suffix = ' (copy)';
  return `${name.slice(0, 200 - suffix.length)}${suffix}`;
}

export const assistantsRouter = {
  /** The assistants the caller may see: their own, the shared ones, and for admins all. */
  list: read
    .input(z.object(idPageSchema).default({ limit: 50 }))
    .query(async ({ ctx, input }) =>
      idPage(await ctx.services.assistants.listSummaries(ctx.viewer, { afterId: input.cursor, limit: input.limit + 1 }), input.limit),
    ),
  get: read.input(assistantIdSchema).query(({ ctx, input }) => readableAssistant(ctx.services, ctx.viewer, input.id)),
  create: write.input(createAssistantInputSchema).mutation(async ({ ctx, input }) => {
    await assertPromptsUsable(ctx.services, ctx.viewer, input.prompts);
    await assertMayCreate(ctx.services, ctx.identity.user.id);
    return ctx.services.assistants.create({ ...input, ownerId: ctx.identity.user.id });
  }),
  /**
   * Saves the whole assistant as a new version (its owner or an admin). `baseVersion` is the
   * version the changes were made to: when someone saved another since, the save is refused
   * (CONFLICT) rather than silently undoing theirs.
   */
  save: write.input(saveAssistantInputSchema).mutation(async ({ ctx, input: { id, baseVersion, visibility, ...content } }) => {
    await changeableAssistant(ctx.services, ctx.viewer, id);
    await assertPromptsUsable(ctx.services, ctx.viewer, content.prompts);
    return ctx.services.assistants.save(id, baseVersion, content, ctx.identity.user.id, visibility);
  }),
  /** A private copy of an assistant the caller may read, owned by them, at version 1. */
  duplicate: write.input(z.object({ id: idSchema, name: nameSchema.optional() })).mutation(async ({ ctx, input }) => {
    const source = await readableAssistant(ctx.services, ctx.viewer, input.id);
    // A shared assistant may use a repository the caller may not read: their copy could not run.
    await assertRepositoriesReadable(ctx.services, ctx.viewer, source.prompts);
    await assertMayCreate(ctx.services, ctx.identity.user.id);
    return ctx.services.assistants.create({
      name: input.name ?? copyName(source.name),
      description: source.description,
      inputVariables: source.inputVariables,
      prompts: source.prompts.map(({ id: _id, lineageId: _lineageId, ...prompt }) => prompt),
      ownerId: ctx.identity.user.id,
      visibility: 'private',
    });
  }),
  /** An assistant's versions, newest first (whoever may read the assistant). */
  versions: read
    .input(
      z.object({
        id: idSchema,
        cursor: z.number().int().positive().max(2_147_483_647, 'is not a version number (too large)').nullish(),
        limit: z.number().int().min(1).max(100).default(20),
      }),
    )
    .query(async ({ ctx, input }) => {
      await readableAssistant(ctx.services, ctx.viewer, input.id);
      const rows = await ctx.services.assistants.listVersions(input.id, { beforeNumber: input.cursor, limit: input.limit + 1 });
      const items = rows.slice(0, input.limit);
      return { items, nextCursor: rows.length > input.limit ? (items.at(-1)?.number ?? null) : null };
    }),
  /** One version whole: its name, form and prompts (whoever may read the assistant). */
  version: read
    .input(z.object({ id: idSchema, number: z.number().int().positive().max(2_147_483_647, 'is not a version number (too large)') }))
    .query(async ({ ctx, input }) => {
      const version = await ctx.services.assistants.getVersion(input.id, input.number, ctx.viewer);
      if (version) return version;
      const assistant = await readableAssistant(ctx.services, ctx.viewer, input.id);
      throw new TRPCError({ code: 'NOT_FOUND', message: `Assistant ${input.id} has no version ${input.number}; its versions are 1 to ${assistant.version}` });
    }),
  /** Renames, redescribes or shares an assistant (its owner or an admin); a new name or description is a new version. */
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
      return ctx.services.assistants.update(id, changes, ctx.identity.user.id);
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
