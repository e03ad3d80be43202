import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
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

/** A document as a repository's list shows it: with its size in bytes of UTF-8. */
export type KnowledgeDocumentListItem = KnowledgeDocumentSummary & { sizeBytes: number };

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
    ): Promise<KnowledgeDocumentListItem[]> {
      await requireRepositories(prisma, [repositoryId], viewer);
      const rows = await prisma.knowledgeDocument.findMany({
        where: { repositoryId, ...(page.afterId ? { id: { gt: page.afterId } } : {}) },
        orderBy: { id: 'asc' },
        take: page.limit,
        select: documentSelect,
      });
      if (rows.length === 0) return [];
      // Measured by the database: the text itself is not read out for a list.
      const sizes = await prisma.$queryRaw<Array<{ id: number; bytes: number }>>`
        SELECT id, octet_length(content)::int AS bytes FROM knowledge_documents WHERE id IN (${Prisma.join(rows.map((row) => row.id))})`;
      const bytesOf = new Map(sizes.map((size) => [size.id, Number(size.bytes)]));
      return rows.map((row) => ({ ...toDocument(row), sizeBytes: bytesOf.get(row.id) ?? 0 }));
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
