import { z } from 'zod';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';

export const inputVariableSchema = z.object({
  name: z
    .string()
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
  createdAt: true,
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

export type Assistant = Omit<AssistantRow, 'inputVariables'> & { inputVariables: InputVariable[] };
export type AssistantPrompt = Assistant['prompts'][number];

function toAssistant(row: AssistantRow): Assistant {
  return { ...row, inputVariables: inputVariablesSchema.parse(row.inputVariables) };
}

export interface NewAssistant {
  name: string;
  description?: string;
  inputVariables: InputVariable[];
  prompts: Array<{
    name: string;
    position: number;
    modelId: string;
    content: string;
    repositoryIds?: number[];
    searchType?: 'vector' | 'keyword' | 'hybrid';
    enabledTools?: string[];
    timeoutMs?: number | null;
    maxOutputTokens?: number | null;
  }>;
}

export function createAssistantRepository(prisma: PrismaClient) {
  return {
    async list(): Promise<Assistant[]> {
      const rows = await prisma.assistant.findMany({ orderBy: { id: 'asc' }, select: assistantSelect });
      return rows.map(toAssistant);
    },

    async get(id: number): Promise<Assistant | null> {
      const row = await prisma.assistant.findUnique({ where: { id }, select: assistantSelect });
      return row ? toAssistant(row) : null;
    },

    async create(input: NewAssistant): Promise<Assistant> {
      const row = await prisma.assistant.create({
        data: {
          name: input.name,
          description: input.description ?? '',
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

    count(): Promise<number> {
      return prisma.assistant.count();
    },
  };
}

export type AssistantRepository = ReturnType<typeof createAssistantRepository>;
