import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import {
  chunkDocument,
  DEFAULT_CHUNK_OVERLAP_TOKENS,
  DEFAULT_CHUNK_TOKENS,
  type DocumentChunk,
  type KnowledgeMediaType,
  type TokenCounter,
} from './chunk-document.ts';
import { checkEmbeddings, type Embedder } from './embeddings.ts';
import { KnowledgeRepositoryNotFoundError } from './knowledge-errors.ts';
import { documentFieldsSelect, type KnowledgeDocumentSummary } from './knowledge-documents.ts';
import { toFloatArrayLiteral } from './vector-search.ts';

export interface DocumentIngestionOptions extends Embedder {
  countTokens: TokenCounter;
  /** Texts per embedding call; each finished batch reports progress. */
  embedBatchSize?: number;
  chunkTokens?: number;
  chunkOverlapTokens?: number;
}

export interface NewKnowledgeDocument {
  title: string;
  mediaType: KnowledgeMediaType;
  content: string;
}

export interface AddDocumentsProgress {
  currentStep: number;
  totalSteps: number;
  message: string;
  /** Chunks embedded so far, of all the documents' chunks (in document order). */
  embeddedChunks: number;
  /** Chunks of each document, in the order given. */
  chunksPerDocument: number[];
}

/** Rows per chunk insert: each carries a vector, so this bounds one statement to a few MB. */
const INSERT_BATCH = 200;

/** Embeds `texts` `batchSize` at a time, checking each answer and reporting each finished batch. */
async function embedInBatches(
  embedder: Embedder,
  modelId: string,
  texts: readonly string[],
  batchSize: number,
  onBatch: (step: number, message: string, embeddedChunks: number) => void,
  signal: AbortSignal | undefined,
): Promise<number[][]> {
  const embeddings: number[][] = [];
  let dimensions: number | null = null;
  for (let start = 0; start < texts.length; start += batchSize) {
    signal?.throwIfAborted();
    const slice = texts.slice(start, start + batchSize);
    const vectors = await embedder.embed(modelId, slice, signal);
    dimensions = checkEmbeddings(modelId, slice, vectors, dimensions);
    embeddings.push(...vectors);
    onBatch(start / batchSize + 1, `Embedded chunks ${start + 1}–${start + slice.length} of ${texts.length}`, embeddings.length);
  }
  return embeddings;
}

/** Writes the documents and their chunks (the i-th embedding to the i-th chunk, in document order). */
async function storeDocuments(
  tx: Prisma.TransactionClient,
  repositoryId: number,
  documents: readonly NewKnowledgeDocument[],
  chunked: readonly DocumentChunk[][],
  embeddings: readonly number[][],
): Promise<KnowledgeDocumentSummary[]> {
  const summaries: KnowledgeDocumentSummary[] = [];
  let next = 0;
  for (const [index, document] of documents.entries()) {
    const row = await tx.knowledgeDocument.create({
      data: { repositoryId, title: document.title, mediaType: document.mediaType, content: document.content },
      select: documentFieldsSelect,
    });
    const chunks = (chunked[index] ?? []).map((chunk) => ({
      document_id: row.id,
      position: chunk.position,
      content: chunk.content,
      tokens: chunk.tokens,
      embedding: toFloatArrayLiteral(embeddings[next++] ?? []),
    }));
    for (let start = 0; start < chunks.length; start += INSERT_BATCH) {
      // Raw SQL: Prisma cannot write the tsvector column, and one statement inserts a whole batch.
      await tx.$executeRaw`
        INSERT INTO knowledge_chunks (repository_id, document_id, position, content, tokens, embedding, search_vector)
        SELECT ${repositoryId}, r.document_id, r.position, r.content, r.tokens, r.embedding::float8[],
               to_tsvector('english', r.content)
        FROM jsonb_to_recordset(${JSON.stringify(chunks.slice(start, start + INSERT_BATCH))}::jsonb)
          AS r(document_id int, position int, content text, tokens int, embedding text)`;
    }
    summaries.push({ ...row, chunkCount: chunks.length });
  }
  return summaries;
}

/** Adding documents to a knowledge repository: chunking, embedding, storing. */
export function createDocumentIngestion(prisma: PrismaClient, options: DocumentIngestionOptions) {
  const batchSize = options.embedBatchSize ?? 64;
  const chunkOptions = {
    countTokens: options.countTokens,
    targetTokens: options.chunkTokens ?? DEFAULT_CHUNK_TOKENS,
    overlapTokens: options.chunkOverlapTokens ?? DEFAULT_CHUNK_OVERLAP_TOKENS,
  };

  return {
    /**
     * Chunks and embeds the documents, then stores documents and chunks in one transaction, so a
     * failure leaves none of them behind. Embedding runs before the transaction opens.
     */
    async addDocuments(
      repositoryId: number,
      documents: readonly NewKnowledgeDocument[],
      callbacks: {
        onProgress?(progress: AddDocumentsProgress): void;
        signal?: AbortSignal | undefined;
        /** Runs in the storing transaction, last: throwing rolls every document back. */
        beforeCommit?(tx: Prisma.TransactionClient, stored: KnowledgeDocumentSummary[], progress: AddDocumentsProgress): Promise<void>;
      } = {},
    ): Promise<KnowledgeDocumentSummary[]> {
      const repository = await prisma.knowledgeRepository.findUnique({ where: { id: repositoryId }, select: { embeddingModel: true } });
      if (!repository) throw new KnowledgeRepositoryNotFoundError([repositoryId]);
      const chunked = documents.map((document) => chunkDocument(document.content, document.mediaType, chunkOptions));
      const texts = chunked.flat().map((chunk) => chunk.content);
      const chunksPerDocument = chunked.map((chunks) => chunks.length);
      const totalSteps = Math.ceil(texts.length / batchSize) + 1;
      const embeddings = await embedInBatches(
        options,
        repository.embeddingModel,
        texts,
        batchSize,
        (currentStep, message, embeddedChunks) => callbacks.onProgress?.({ currentStep, totalSteps, message, embeddedChunks, chunksPerDocument }),
        callbacks.signal,
      );
      callbacks.signal?.throwIfAborted();

      const stored = (count: number): AddDocumentsProgress => ({
        currentStep: totalSteps,
        totalSteps,
        message: `Stored ${count} ${count === 1 ? 'document' : 'documents'} (${texts.length} chunks)`,
        embeddedChunks: texts.length,
        chunksPerDocument,
      });
      const rows = await prisma.$transaction(
        async (tx) => {
          const summaries = await storeDocuments(tx, repositoryId, documents, chunked, embeddings);
          await callbacks.beforeCommit?.(tx, summaries, stored(summaries.length));
          return summaries;
        },
        { maxWait: 10_000, timeout: 120_000 },
      );
      callbacks.onProgress?.(stored(documents.length));
      return rows;
    },
  };
}
