import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { Viewer } from '../repositories/visibility.ts';
import { requireRepositories } from './knowledge-repositories.ts';

/** A document's own fields, as a new document is returned. */
export const documentFieldsSelect = {
  id: true,
  repositoryId: true,
  title: true,
  mediaType: true,
  createdAt: true,
} satisfies Prisma.KnowledgeDocumentSelect;

const documentSelect = { ...documentFieldsSelect, _count: { select: { chunks: true } } } satisfies Prisma.KnowledgeDocumentSelect;

type DocumentRow = Prisma.KnowledgeDocumentGetPayload<{ select: typeof documentSelect }>;

export type KnowledgeDocumentSummary = Omit<DocumentRow, '_count'> & { chunkCount: number };

function toDocument({ _count, ...row }: DocumentRow): KnowledgeDocumentSummary {
  return { ...row, chunkCount: _count.chunks };
}

/** The documents of knowledge repositories: read and delete (they are added by `document-ingestion.ts`). */
export function createKnowledgeDocuments(prisma: PrismaClient) {
  return {
    async listDocuments(
      repositoryId: number,
      viewer: Viewer,
      page: { afterId?: number | null | undefined; limit: number },
    ): Promise<KnowledgeDocumentSummary[]> {
      await requireRepositories(prisma, [repositoryId], viewer);
      const rows = await prisma.knowledgeDocument.findMany({
        where: { repositoryId, ...(page.afterId ? { id: { gt: page.afterId } } : {}) },
        orderBy: { id: 'asc' },
        take: page.limit,
        select: documentSelect,
      });
      return rows.map(toDocument);
    },

    async getDocument(id: number): Promise<KnowledgeDocumentSummary | null> {
      const row = await prisma.knowledgeDocument.findUnique({ where: { id }, select: documentSelect });
      return row ? toDocument(row) : null;
    },

    /** Deletes a document and its chunks; false when it did not exist. */
    async deleteDocument(id: number): Promise<boolean> {
      const { count } = await prisma.knowledgeDocument.deleteMany({ where: { id } });
      return count > 0;
    },
  };
}
