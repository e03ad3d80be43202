import { EventEmitter, on } from 'node:events';
import { KnowledgeRepositoryNotFoundError, MixedEmbeddingModelsError } from '@aae/db';
import { UnknownEmbeddingModelError } from '@aae/engine';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { assertCanChangeRepository } from '../knowledge-access.ts';
import { withoutNul } from '../storable-text.ts';
import { authedProcedure } from '../trpc.ts';

export const MAX_DOCUMENTS_PER_ADD = 100;
export const MAX_DOCUMENT_BYTES = 1024 * 1024;
export const MAX_SEARCH_LIMIT = 50;

const repositoryIdSchema = z.number().int().positive();

const documentInputSchema = z.object({
  title: z.string().trim().min(1, 'title is required').max(300).refine(...withoutNul),
  mediaType: z.enum(['text/plain', 'text/markdown'], { error: 'mediaType must be "text/plain" or "text/markdown"' }),
  content: z
    .string()
    .refine((content) => content.trim().length > 0, 'content is empty')
    // PostgreSQL text cannot hold NUL, so such a document could never be stored.
    .refine((content) => !content.includes('\u0000'), 'content contains a NUL character (\\u0000); is it a binary file?')
    .refine(
      (content) => Buffer.byteLength(content, 'utf8') <= MAX_DOCUMENT_BYTES,
      `content is larger than 1 MB (${MAX_DOCUMENT_BYTES} bytes of UTF-8); split the document`,
    ),
});

const searchInputSchema = z.object({
  repositoryIds: z.array(repositoryIdSchema).min(1, 'name at least one repository').max(20),
  query: z.string().trim().min(1, 'query is empty').max(2_000),
  searchType: z.enum(['vector', 'keyword', 'hybrid']).default('hybrid'),
  limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).default(5),
});

/** The store's domain errors as codes a caller can act on; anything else stays a server error. */
async function withKnowledgeErrors<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    if (error instanceof KnowledgeRepositoryNotFoundError) throw new TRPCError({ code: 'NOT_FOUND', message: error.message, cause: error });
    if (error instanceof MixedEmbeddingModelsError) throw new TRPCError({ code: 'BAD_REQUEST', message: error.message, cause: error });
    if (error instanceof UnknownEmbeddingModelError) {
      // The repository was embedded by a model this deployment no longer configures.
      throw new TRPCError({
        code: 'PRECONDITION_FAILED',
        message: `${error.message} Use keyword search, or configure the model again.`,
        cause: error,
      });
    }
    throw error;
  }
}

const addDocumentsInputSchema = z.object({
  repositoryId: repositoryIdSchema,
  documents: z
    .array(documentInputSchema)
    .min(1, 'add at least one document')
    .max(MAX_DOCUMENTS_PER_ADD, `add at most ${MAX_DOCUMENTS_PER_ADD} documents at a time`),
});

export const knowledgeRouter = {
  repositories: {
    list: authedProcedure.query(({ ctx }) => ctx.services.knowledge.listRepositories()),

    get: authedProcedure.input(z.object({ repositoryId: repositoryIdSchema })).query(async ({ ctx, input }) => {
      const repository = await ctx.services.knowledge.getRepository(input.repositoryId);
      if (!repository) throw new TRPCError({ code: 'NOT_FOUND', message: `Knowledge repository ${input.repositoryId} does not exist` });
      return repository;
    }),

    create: authedProcedure
      .input(
        z.object({
          name: z.string().trim().min(1, 'name is required').max(200),
          description: z.string().max(5_000).default(''),
          embeddingModel: z.string().min(1).optional(),
        }),
      )
      .mutation(({ ctx, input }) => {
        if (input.embeddingModel !== undefined && !ctx.services.embeddings.has(input.embeddingModel)) {
          throw new TRPCError({
            code: 'BAD_REQUEST',
            message: `Unknown embedding model "${input.embeddingModel}"; available: ${ctx.services.embeddings.ids().join(', ')}`,
          });
        }
        return ctx.services.knowledge.createRepository({ ...input, ownerId: ctx.user.id });
      }),

    /** Deletes the repository with its documents; prompts that name it fail to retrieve from then on. */
    delete: authedProcedure.input(z.object({ repositoryId: repositoryIdSchema })).mutation(async ({ ctx, input }) => {
      await assertCanChangeRepository(ctx.services, ctx.user, input.repositoryId);
      await ctx.services.knowledge.deleteRepository(input.repositoryId);
      return { repositoryId: input.repositoryId };
    }),

    embeddingModels: authedProcedure.query(({ ctx }) => ({ models: ctx.services.embeddings.ids(), default: ctx.services.embeddings.defaultId })),
  },

  documents: {
    add: authedProcedure
      .input(addDocumentsInputSchema)
      .mutation(async ({ ctx, input, signal }) => {
        await assertCanChangeRepository(ctx.services, ctx.user, input.repositoryId);
        const documents = await withKnowledgeErrors(ctx.services.knowledge.addDocuments(input.repositoryId, input.documents, { signal }));
        return { documents };
      }),

    /**
     * `add` for large batches: reports progress as the chunks are embedded (the `progress`
     * payload, at a bounded rate), then the stored documents, and ends.
     */
    import: authedProcedure
      .input(addDocumentsInputSchema)
      .subscription(async function* ({ ctx, input, signal }) {
        await assertCanChangeRepository(ctx.services, ctx.user, input.repositoryId);
        const progress = new EventEmitter();
        let lastSent = 0;
        const work = withKnowledgeErrors(
          ctx.services.knowledge.addDocuments(input.repositoryId, input.documents, {
            signal,
            onProgress(step) {
              const now = Date.now();
              // At most four updates a second; the last step always goes out.
              if (step.currentStep < step.totalSteps && now - lastSent < 250) return;
              lastSent = now;
              progress.emit('progress', {
                ...step,
                percentage: step.totalSteps > 0 ? Math.round((step.currentStep / step.totalSteps) * 100) : 100,
              });
            },
          }),
        ).finally(() => progress.emit('done'));
        const updates = on(progress, 'progress', { signal, close: ['done'] });
        for await (const [update] of updates) {
          yield { kind: 'progress' as const, ...(update as { currentStep: number; totalSteps: number; percentage: number; message: string }) };
        }
        yield { kind: 'done' as const, documents: await work };
      }),

    list: authedProcedure
      .input(z.object({ repositoryId: repositoryIdSchema }))
      .query(({ ctx, input }) => withKnowledgeErrors(ctx.services.knowledge.listDocuments(input.repositoryId))),

    delete: authedProcedure.input(z.object({ documentId: z.number().int().positive() })).mutation(async ({ ctx, input }) => {
      const document = await ctx.services.knowledge.getDocument(input.documentId);
      if (!document) throw new TRPCError({ code: 'NOT_FOUND', message: `Document ${input.documentId} does not exist` });
      await assertCanChangeRepository(ctx.services, ctx.user, document.repositoryId);
      await ctx.services.knowledge.deleteDocument(input.documentId);
      return { documentId: input.documentId };
    }),
  },

  search: authedProcedure
    .input(searchInputSchema)
    .query(({ ctx, input, signal }) => withKnowledgeErrors(ctx.services.knowledge.search({ ...input, signal }))),
} satisfies TRPCRouterRecord;
