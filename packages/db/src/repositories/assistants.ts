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

/** A save based on a version that is no longer the current one: someone else saved first. */
export class AssistantVersionConflictError extends Error {
  override name = 'AssistantVersionConflictError';
  constructor(
    readonly assistantId: number,
    readonly baseVersion: number,
    readonly currentVersion: number,
  ) {
    super(
      `Assistant ${assistantId} is at version ${currentVersion}, not version ${baseVersion} that these changes start from: someone saved it meanwhile. Load version ${currentVersion}, apply your changes again and save`,
    );
  }
}

/** An assistant that does not exist, or was deleted meanwhile. */
export class AssistantNotFoundError extends Error {
  override name = 'AssistantNotFoundError';
  constructor(readonly assistantId: number) {
    super(`Assistant ${assistantId} does not exist`);
  }
}

/** A saved prompt naming, as the prompt it continues, one that is not this assistant's. */
export class UnknownPromptError extends Error {
  override name = 'UnknownPromptError';
  constructor(
    readonly assistantId: number,
    readonly promptName: string,
    readonly promptId: number,
  ) {
    super(`Prompt "${promptName}" continues prompt ${promptId}, which is not a prompt of assistant ${assistantId}`);
  }
}

/** What a prompt of a version is read as. */
export const promptSelect = {
  id: true,
  lineageId: true,
  name: true,
  position: true,
  modelId: true,
  content: true,
  repositoryIds: true,
  searchType: true,
  enabledTools: true,
  timeoutMs: true,
  maxOutputTokens: true,
} satisfies Prisma.AssistantPromptSelect;

/** Prompts in the order they run: by position, then as they were written. */
export const promptOrder = [{ position: 'asc' }, { id: 'asc' }] satisfies Prisma.AssistantPromptOrderByWithRelationInput[];

type PromptRow = Prisma.AssistantPromptGetPayload<{ select: typeof promptSelect }>;

/** A prompt of one version; `lineageId` is the same for a prompt across the versions that kept it. */
export type AssistantPrompt = Omit<PromptRow, 'lineageId'> & { lineageId: number };

export function toPrompt(row: PromptRow): AssistantPrompt {
  return { ...row, lineageId: row.lineageId ?? row.id };
}

const assistantSelect = {
  id: true,
  name: true,
  description: true,
  inputVariables: true,
  ownerId: true,
  visibility: true,
  createdAt: true,
  currentVersion: true,
  owner: { select: { name: true } },
  // The newest version is the current one: a save writes both in one transaction. The relation is a
  // second query, so a save committed between the two is caught by comparing numbers (`consistent`).
  versions: { orderBy: { number: 'desc' }, take: 1, select: { number: true, prompts: { orderBy: promptOrder, select: promptSelect } } },
} satisfies Prisma.AssistantSelect;

type AssistantRow = Prisma.AssistantGetPayload<{ select: typeof assistantSelect }>;

/** An assistant as its current version has it. */
export type Assistant = Omit<AssistantRow, 'inputVariables' | 'owner' | 'versions' | 'currentVersion'> & {
  inputVariables: InputVariable[];
  /** Null for the product's own assistants. */
  ownerName: string | null;
  /** The current version's number (from 1). */
  version: number;
  prompts: AssistantPrompt[];
};

/** What a list shows of an assistant: never its prompts' text or its form. */
export interface AssistantSummary {
  id: number;
  name: string;
  description: string;
  visibility: Visibility;
  ownerId: number | null;
  ownerName: string | null;
  createdAt: Date;
  version: number;
  promptCount: number;
}

/** A version in the list of an assistant's versions. */
export interface AssistantVersionSummary {
  number: number;
  name: string;
  createdAt: Date;
  /** Who saved it; null for the product's own or a person since deleted. */
  authorName: string | null;
  promptCount: number;
}

/** One version whole: what an execution of it runs. */
export interface AssistantVersion extends AssistantVersionSummary {
  assistantId: number;
  description: string;
  inputVariables: InputVariable[];
  prompts: AssistantPrompt[];
}

function toAssistant({ owner, versions, currentVersion, ...row }: AssistantRow): Assistant {
  return {
    ...row,
    ownerName: owner?.name ?? null,
    inputVariables: inputVariablesSchema.parse(row.inputVariables),
    version: currentVersion,
    prompts: (versions[0]?.prompts ?? []).map(toPrompt),
  };
}

const versionSelect = {
  assistantId: true,
  number: true,
  name: true,
  description: true,
  inputVariables: true,
  createdAt: true,
  createdBy: { select: { name: true } },
  prompts: { orderBy: promptOrder, select: promptSelect },
} satisfies Prisma.AssistantVersionSelect;

function toVersion({ createdBy, prompts, inputVariables, ...row }: Prisma.AssistantVersionGetPayload<{ select: typeof versionSelect }>): AssistantVersion {
  return {
    ...row,
    inputVariables: inputVariablesSchema.parse(inputVariables),
    authorName: createdBy?.name ?? null,
    promptCount: prompts.length,
    prompts: prompts.map(toPrompt),
  };
}

export interface NewPrompt {
  name: string;
  position: number;
  modelId: string;
  content: string;
  repositoryIds?: number[];
  searchType?: SearchType;
  enabledTools?: string[];
  timeoutMs?: number | null;
  maxOutputTokens?: number | null;
}

/** What a version holds: a save passes it whole. */
export interface AssistantContent {
  name: string;
  description?: string;
  inputVariables: InputVariable[];
  /** `id`: the prompt (of any earlier version) this one continues, so versions compare prompt by prompt. */
  prompts: Array<NewPrompt & { id?: number | undefined }>;
}

export interface NewAssistant extends AssistantContent {
  /** Null or absent: the product's own (only admins change it). */
  ownerId?: number | null;
  visibility?: Visibility;
}

type Transaction = Prisma.TransactionClient;

/** The line each prompt continues (null: it starts one); an id that is not this assistant's is refused. */
async function lineagesOf(tx: Transaction, assistantId: number, prompts: AssistantContent['prompts']): Promise<Array<number | null>> {
  const ids = prompts.flatMap((prompt) => (prompt.id === undefined ? [] : [prompt.id]));
  const known = new Map(
    (await tx.assistantPrompt.findMany({ where: { id: { in: ids }, assistantId }, select: { id: true, lineageId: true } })).map((row) => [
      row.id,
      row.lineageId ?? row.id,
    ]),
  );
  return prompts.map((prompt) => {
    if (prompt.id === undefined) return null;
    const lineage = known.get(prompt.id);
    if (lineage === undefined) throw new UnknownPromptError(assistantId, prompt.name, prompt.id);
    return lineage;
  });
}

/** Writes version `number` of an assistant with its prompts (in the caller's transaction). */
async function writeVersion(
  tx: Transaction,
  assistantId: number,
  number: number,
  content: AssistantContent,
  authorId: number | null,
  lineages: ReadonlyArray<number | null>,
): Promise<void> {
  const version = await tx.assistantVersion.create({
    data: {
      assistantId,
      number,
      name: content.name,
      description: content.description ?? '',
      inputVariables: content.inputVariables as Prisma.InputJsonValue,
      createdById: authorId,
    },
    select: { id: true },
  });
  await tx.assistantPrompt.createMany({
    data: content.prompts.map((prompt, index) => ({
      assistantId,
      versionId: version.id,
      lineageId: lineages[index] ?? null,
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
  });
}

/**
 * Reads assistants with their newest version again while any row's version is not the one the
 * assistant row names: Prisma reads the relation in a second query, and a save may commit between.
 */
async function consistent<Row extends { currentVersion: number; versions: { number: number }[] }>(read: () => Promise<Row[]>): Promise<Row[]> {
  for (let attempt = 1; ; attempt++) {
    const rows = await read();
    const torn = rows.some((row) => row.versions.length > 0 && row.versions[0]!.number !== row.currentVersion);
    if (!torn || attempt >= 5) return rows;
  }
}

export function createAssistantRepository(prisma: PrismaClient) {
  async function get(id: number, viewer: Viewer): Promise<Assistant | null> {
    const [row] = await consistent(async () => {
      const found = await prisma.assistant.findFirst({ where: { id, deletedAt: null, ...visibleTo(viewer) }, select: assistantSelect });
      return found ? [found] : [];
    });
    return row ? toAssistant(row) : null;
  }

  /** `get` for a row just written by the caller (the system sees it whatever its visibility). */
  async function reread(id: number): Promise<Assistant> {
    const [row] = await consistent(async () => [await prisma.assistant.findUniqueOrThrow({ where: { id }, select: assistantSelect })]);
    return toAssistant(row!);
  }

  return {
    /** The assistants `viewer` may see, oldest first; deleted ones never. */
    async list(viewer: Viewer): Promise<Assistant[]> {
      const rows = await consistent(() =>
        prisma.assistant.findMany({
          where: { deletedAt: null, ...visibleTo(viewer) },
          orderBy: { id: 'asc' },
          select: assistantSelect,
        }),
      );
      return rows.map(toAssistant);
    },

    /** One page of the assistants `viewer` may see, oldest first, as summaries; `afterId` is the last id of the page before. */
    async listSummaries(viewer: Viewer, page: { afterId?: number | null | undefined; limit: number }): Promise<AssistantSummary[]> {
      const rows = await consistent(() =>
        prisma.assistant.findMany({
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
            currentVersion: true,
            owner: { select: { name: true } },
            versions: { orderBy: { number: 'desc' }, take: 1, select: { number: true, _count: { select: { prompts: true } } } },
          },
        }),
      );
      return rows.map(({ owner, versions, currentVersion, ...row }) => ({
        ...row,
        ownerName: owner?.name ?? null,
        version: currentVersion,
        promptCount: versions[0]?._count.prompts ?? 0,
      }));
    },

    /** How many assistants `ownerId` has (not deleted). */
    countOwnedBy(ownerId: number): Promise<number> {
      return prisma.assistant.count({ where: { ownerId, deletedAt: null } });
    },

    /** An assistant `viewer` may see, as its current version has it; null when deleted, missing or not theirs to see. */
    get,

    /** Version `number` of an assistant `viewer` may see; null when there is none, or the assistant is deleted or not theirs to see. */
    async getVersion(id: number, number: number, viewer: Viewer): Promise<AssistantVersion | null> {
      const row = await prisma.assistantVersion.findFirst({
        where: { assistantId: id, number, assistant: { deletedAt: null, ...visibleTo(viewer) } },
        select: versionSelect,
      });
      return row ? toVersion(row) : null;
    },

    /** A page of an assistant's versions, newest first; `beforeNumber` is the last number of the page before. */
    async listVersions(id: number, page: { beforeNumber?: number | null | undefined; limit: number }): Promise<AssistantVersionSummary[]> {
      const rows = await prisma.assistantVersion.findMany({
        where: { assistantId: id, ...(page.beforeNumber ? { number: { lt: page.beforeNumber } } : {}) },
        orderBy: { number: 'desc' },
        take: page.limit,
        select: { number: true, name: true, createdAt: true, createdBy: { select: { name: true } }, _count: { select: { prompts: true } } },
      });
      return rows.map(({ createdBy, _count, ...row }) => ({ ...row, authorName: createdBy?.name ?? null, promptCount: _count.prompts }));
    },

    /**
     * Renames, redescribes or shares an assistant. A new name or description is a new version (its
     * prompts and form as they were); sharing is not.
     */
    async update(
      id: number,
      changes: { name?: string | undefined; description?: string | undefined; visibility?: Visibility | undefined },
      authorId: number | null,
    ): Promise<Assistant> {
      await prisma.$transaction(async (tx) => {
        // Locks the row: a save or update meanwhile waits, then sees the new version.
        const [current] = await tx.$queryRaw<Array<{ name: string; description: string; current_version: number }>>`
          SELECT name, description, current_version FROM assistants WHERE id = ${id} FOR UPDATE`;
        if (!current) return;
        const renamed =
          (changes.name !== undefined && changes.name !== current.name) || (changes.description !== undefined && changes.description !== current.description);
        if (!renamed) {
          if (changes.visibility !== undefined) await tx.assistant.update({ where: { id }, data: { visibility: changes.visibility } });
          return;
        }
        const previous = await tx.assistantVersion.findUniqueOrThrow({
          where: { assistantId_number: { assistantId: id, number: current.current_version } },
          select: { inputVariables: true, prompts: { orderBy: promptOrder, select: promptSelect } },
        });
        const content: AssistantContent = {
          name: changes.name ?? current.name,
          description: changes.description ?? current.description,
          inputVariables: inputVariablesSchema.parse(previous.inputVariables),
          prompts: previous.prompts,
        };
        const number = current.current_version + 1;
        await tx.assistant.update({ where: { id }, data: { ...changes, currentVersion: number } });
        await writeVersion(
          tx,
          id,
          number,
          content,
          authorId,
          previous.prompts.map((prompt) => prompt.lineageId ?? prompt.id),
        );
      });
      return reread(id);
    },

    /**
     * Saves the assistant's whole content as a new version, if `baseVersion` (the version the
     * changes were made to) is still the current one; otherwise `AssistantVersionConflictError`.
     * A `visibility` given is set in the same transaction.
     */
    async save(id: number, baseVersion: number, content: AssistantContent, authorId: number | null, visibility?: Visibility): Promise<Assistant> {
      await prisma.$transaction(async (tx) => {
        // Compare and set: of two saves from one version, the second waits for the first's row lock, then matches nothing.
        const { count } = await tx.assistant.updateMany({
          where: { id, deletedAt: null, currentVersion: baseVersion },
          data: {
            currentVersion: baseVersion + 1,
            name: content.name,
            description: content.description ?? '',
            inputVariables: content.inputVariables as Prisma.InputJsonValue,
            ...(visibility === undefined ? {} : { visibility }),
          },
        });
        if (count === 0) {
          const current = await tx.assistant.findUnique({ where: { id }, select: { currentVersion: true, deletedAt: true } });
          if (!current || current.deletedAt) throw new AssistantNotFoundError(id);
          throw new AssistantVersionConflictError(id, baseVersion, current.currentVersion);
        }
        await writeVersion(tx, id, baseVersion + 1, content, authorId, await lineagesOf(tx, id, content.prompts));
      });
      return reread(id);
    },

    /** Hides the assistant from lists and runs; its executions and their history stay. */
    async delete(id: number): Promise<void> {
      await prisma.assistant.updateMany({ where: { id, deletedAt: null }, data: { deletedAt: new Date() } });
    },

    /** A new assistant at version 1, saved by its owner. */
    async create(input: NewAssistant): Promise<Assistant> {
      const id = await prisma.$transaction(async (tx) => {
        const row = await tx.assistant.create({
          data: {
            name: input.name,
            description: input.description ?? '',
            ownerId: input.ownerId ?? null,
            visibility: input.visibility ?? 'private',
            inputVariables: input.inputVariables as Prisma.InputJsonValue,
            currentVersion: 1,
          },
          select: { id: true },
        });
        await writeVersion(
          tx,
          row.id,
          1,
          input,
          input.ownerId ?? null,
          input.prompts.map(() => null),
        );
        return row.id;
      });
      return reread(id);
    },

    /** Every assistant ever made, deleted ones included: zero only on a first start. */
    count(): Promise<number> {
      return prisma.assistant.count();
    },
  };
}

export type AssistantRepository = ReturnType<typeof createAssistantRepository>;
