import type { PrismaClient } from '../generated/prisma/client.ts';
import { createDocumentIngestion, type DocumentIngestionOptions } from './document-ingestion.ts';
import { createKnowledgeDocuments } from './knowledge-documents.ts';
import { createKnowledgeRepositories } from './knowledge-repositories.ts';
import { createKnowledgeSearch, type KnowledgeSearchOptions } from './knowledge-search.ts';

export interface KnowledgeStoreOptions extends DocumentIngestionOptions, KnowledgeSearchOptions {
  /** The embedding model of a repository created without one. */
  defaultEmbeddingModel: string;
}

/**
 * Knowledge repositories: documents cut into chunks, each searchable by keyword (PostgreSQL
 * full-text search) and by meaning (an embedding per chunk), or both fused. One object over the
 * repositories, their documents, ingestion and search.
 */
export function createKnowledgeStore(prisma: PrismaClient, options: KnowledgeStoreOptions) {
  return {
    ...createKnowledgeRepositories(prisma, options),
    ...createKnowledgeDocuments(prisma),
    ...createDocumentIngestion(prisma, options),
    ...createKnowledgeSearch(prisma, options),
  };
}

export type KnowledgeStore = ReturnType<typeof createKnowledgeStore>;
