import type { SearchType } from '@aae/events';
import { z } from 'zod';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { Visibility } from '../generated/prisma/enums.ts';
import { visibleTo, type Viewer } from './visibility.ts';

export const inputVariableSchema = z.object({
  name: z
    .string()
    .max(100)
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must start with a letter or underscore and contain only letters, digits and underscores'),
  label: z.string().min(1).max(200),
  type: z.enum(['text', 'textarea', 'number']).default('text'),
  required: z.boolean().default(true),
  description: z.string().max(1000).optional(),
});

export type InputVariable = z.infer<typeof inputVariableSchema>;

const inputVariablesSchema = z.array(inputVariableSchema);

const assistantSelect = {
  id: true,
  name: true,
  description: true,
  inputVariables: true,
  ownerId: true,
  visibility: true,
  createdAt: true,
  owner: { select: { name: true } },
  prompts: {
    orderBy: [{ position: 'asc' }, { id: 'asc' }],
    select: {
      id: true,
      name: true,
      position: true,
      modelId: true,
      content: true,
      repositoryIds: true,
      searchType: true,
      enabledTools: true,
      timeoutMs: true,
      maxOutputTokens: true,
    },
  },
} satisfies Prisma.AssistantSelect;

type AssistantRow = Prisma.AssistantGetPayload<{ select: typeof assistantSelect }>;

export type Assistant = Omit<AssistantRow, 'inputVariables' | 'owner'> & {
  inputVariables: InputVariable[];
  /** Null for the product's own assistants. */
  ownerName: string | null;
};
export type AssistantPrompt = Assistant['prompts'][number];

/** What a list shows of an assistant: never its prompts' text or its form. */
export interface AssistantSummary {
  id: number;
  name: string;
  description: string;
  visibility: Visibility;
  ownerId: number | null;
  ownerName: string | null;
  createdAt: Date;
  promptCount: number;
}

function toAssistant({ owner, ...row }: AssistantRow): Assistant {
  return { ...row, ownerName: owner?.name ?? null, inputVariables: inputVariablesSchema.parse(row.inputVariables) };
}

export interface NewAssistant {
  name: string;
  description?: string;
  /** Null or absent: the product's own (only admins change it). */
  ownerId?: number | null;
  visibility?: Visibility;
  inputVariables: InputVariable[];
  prompts: Array<{
    name: string;
    position: number;
    modelId: string;
    content: string;
    repositoryIds?: number[];
    searchType?: SearchType;
    enabledTools?: string[];
    timeoutMs?: number | null;
    maxOutputTokens?: number | null;
  }>;
}

export function createAssistantRepository(prisma: PrismaClient) {
  return {
    /** The assistants `viewer` may see, oldest first; deleted ones never. */
    async list(viewer: Viewer): Promise<Assistant[]> {
      const rows = await prisma.assistant.findMany({
        where: { deletedAt: null, ...visibleTo(viewer) },
        orderBy: { id: 'asc' },
        select: assistantSelect,
      });
      return rows.map(toAssistant);
    },

    /** One page of the assistants `viewer` may see, oldest first, as summaries; `afterId` is the last id of the page before. */
    async listSummaries(viewer: Viewer, page: { afterId?: number | null | undefined; limit: number }): Promise<AssistantSummary[]> {
      const rows = await prisma.assistant.findMany({
        where: { deletedAt: null, ...visibleTo(viewer), ...(page.afterId ? { id: { gt: page.afterId } } : {}) },
        orderBy: { id: 'asc' },
        take: page.limit,
        select: {
          id: true,
          name: true,
          description: true,
          visibility: true,
          ownerId: true,
          createdAt: true,
          owner: { select: { name: true } },
          _count: { select: { prompts: true } },
        },
      });
      return rows.map(({ owner, _count, ...row }) => ({ ...row, ownerName: owner?.name ?? null, promptCount: _count.prompts }));
    },

    /** How many assistants `ownerId` has (not deleted). */
    countOwnedBy(ownerId: number): Promise<number> {
      return prisma.assistant.count({ where: { ownerId, deletedAt: null } });
    },

    /** An assistant `viewer` may see; null when deleted, missing or not theirs to see. */
    async get(id: number, viewer: Viewer): Promise<Assistant | null> {
      const row = await prisma.assistant.findFirst({
        where: { id, deletedAt: null, ...visibleTo(viewer) },
        select: assistantSelect,
      });
      return row ? toAssistant(row) : null;
    },

    async update(id: number, changes: { name?: string | undefined; description?: string | undefined; visibility?: Visibility | undefined }) {
      const row = await prisma.assistant.update({ where: { id }, data: changes, select: assistantSelect });
      return toAssistant(row);
    },

    /** Hides the assistant from lists and runs; its executions and their history stay. */
    async delete(id: number): Promise<void> {
      await prisma.assistant.updateMany({ where: { id, deletedAt: null }, data: { deletedAt: new Date() } });
    },

    async create(input: NewAssistant): Promise<Assistant> {
      const row = await prisma.assistant.create({
        data: {
          name: input.name,
          description: input.description ?? '',
          ownerId: input.ownerId ?? null,
          visibility: input.visibility ?? 'private',
          inputVariables: input.inputVariables as Prisma.InputJsonValue,
          prompts: {
            create: input.prompts.map((prompt) => ({
              name: prompt.name,
              position: prompt.position,
              modelId: prompt.modelId,
              content: prompt.content,
              repositoryIds: prompt.repositoryIds ?? [],
              searchType: prompt.searchType ?? 'hybrid',
              enabledTools: prompt.enabledTools ?? [],
              timeoutMs: prompt.timeoutMs ?? null,
              maxOutputTokens: prompt.maxOutputTokens ?? null,
            })),
          },
        },
        select: assistantSelect,
      });
      return toAssistant(row);
    },

    /** Every assistant ever made, deleted ones included: zero only on a first start. */
    count(): Promise<number> {
      return prisma.assistant.count();
    },
  };
}

export type AssistantRepository = ReturnType<typeof createAssistantRepository>;
