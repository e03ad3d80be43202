import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { Visibility } from '../generated/prisma/enums.ts';
import { visibleTo, type Viewer } from '../repositories/visibility.ts';
import { KnowledgeRepositoryNotFoundError } from './knowledge-errors.ts';

const repositorySelect = {
  id: true,
  name: true,
  description: true,
  ownerId: true,
  visibility: true,
  embeddingModel: true,
  createdAt: true,
  owner: { select: { name: true } },
  _count: { select: { documents: true, chunks: true } },
} satisfies Prisma.KnowledgeRepositorySelect;

type RepositoryRow = Prisma.KnowledgeRepositoryGetPayload<{ select: typeof repositorySelect }>;

export type KnowledgeRepositorySummary = Omit<RepositoryRow, 'owner' | '_count'> & {
  /** Null for the product's own repositories. */
  ownerName: string | null;
  documentCount: number;
  chunkCount: number;
};

function toRepository({ owner, _count, ...row }: RepositoryRow): KnowledgeRepositorySummary {
  return { ...row, ownerName: owner?.name ?? null, documentCount: _count.documents, chunkCount: _count.chunks };
}

/** Of `ids`, the repositories `viewer` may read (with their embedding model) and the ids that name none. */
export async function findRepositories(prisma: PrismaClient, ids: readonly number[], viewer: Viewer) {
  const unique = [...new Set(ids)];
  const rows = await prisma.knowledgeRepository.findMany({
    where: { id: { in: unique }, ...visibleTo(viewer) },
    select: { id: true, embeddingModel: true },
  });
  const found = new Set(rows.map((row) => row.id));
  return { rows, missing: unique.filter((id) => !found.has(id)) };
}

/** The repositories `viewer` may read, by id; throws `KnowledgeRepositoryNotFoundError` naming any other. */
export async function requireRepositories(prisma: PrismaClient, ids: readonly number[], viewer: Viewer) {
  const { rows, missing } = await findRepositories(prisma, ids, viewer);
  if (missing.length > 0) throw new KnowledgeRepositoryNotFoundError(missing);
  return rows;
}

/** Knowledge repositories: create, read, update, delete. */
export function createKnowledgeRepositories(prisma: PrismaClient, options: { defaultEmbeddingModel: string }) {
  return {
    async createRepository(input: {
      name: string;
      description?: string;
      /** Null: the product's own. */
      ownerId: number | null;
      visibility?: Visibility;
      embeddingModel?: string;
    }) {
      const row = await prisma.knowledgeRepository.create({
        data: {
          name: input.name,
          description: input.description ?? '',
          ownerId: input.ownerId,
          visibility: input.visibility ?? 'private',
          embeddingModel: input.embeddingModel ?? options.defaultEmbeddingModel,
        },
        select: repositorySelect,
      });
      return toRepository(row);
    },

    /** The repositories `viewer` may read, by id, from after `afterId`. */
    async listRepositories(viewer: Viewer, page: { afterId?: number | null | undefined; limit: number }): Promise<KnowledgeRepositorySummary[]> {
      const rows = await prisma.knowledgeRepository.findMany({
        where: { ...visibleTo(viewer), ...(page.afterId ? { id: { gt: page.afterId } } : {}) },
        orderBy: { id: 'asc' },
        take: page.limit,
        select: repositorySelect,
      });
      return rows.map(toRepository);
    },

    /** How many repositories `ownerId` has. */
    countRepositoriesOwnedBy(ownerId: number): Promise<number> {
      return prisma.knowledgeRepository.count({ where: { ownerId } });
    },

    /** A repository `viewer` may read; null when it does not exist or is not theirs to see. */
    async getRepository(id: number, viewer: Viewer): Promise<KnowledgeRepositorySummary | null> {
      const row = await prisma.knowledgeRepository.findFirst({ where: { id, ...visibleTo(viewer) }, select: repositorySelect });
      return row ? toRepository(row) : null;
    },

    async updateRepository(id: number, changes: { name?: string | undefined; description?: string | undefined; visibility?: Visibility | undefined }) {
      return toRepository(await prisma.knowledgeRepository.update({ where: { id }, data: changes, select: repositorySelect }));
    },

    /** The ids among `ids` that name no repository `viewer` may read. */
    async missingRepositories(ids: readonly number[], viewer: Viewer): Promise<number[]> {
      return (await findRepositories(prisma, ids, viewer)).missing;
    },

    /** Deletes a repository with its documents and chunks; false when it did not exist. */
    async deleteRepository(id: number): Promise<boolean> {
      const { count } = await prisma.knowledgeRepository.deleteMany({ where: { id } });
      return count > 0;
    },
  };
}
