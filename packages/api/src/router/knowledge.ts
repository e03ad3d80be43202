import { DOCUMENT_FILE_TYPES, MAX_DOCUMENT_BYTES, MAX_DOCUMENTS_PER_ADD, searchTypeSchema } from '@aae/events';
import { documentInputSchema, toStoredDocuments } from '../document-input.ts';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { idPage, idPageSchema, idSchema, nameSchema, visibilitySchema } from '../schemas.ts';
import { changeableRepository, readableRepository } from '../resource-access.ts';
import { scopedProcedure } from '../trpc.ts';
import { ImportNotFoundError } from '@aae/runtime';
import { scopedStream } from '../stream-scope.ts';

const read = scopedProcedure('assistants:read');
const write = scopedProcedure('assistants:write');

export const MAX_SEARCH_LIMIT = 50;
export const MAX_REPOSITORIES_PER_PERSON = 200;

const repositoryIdSchema = idSchema;

const searchInputSchema = z.object({
  repositoryIds: z.array(repositoryIdSchema).min(1, 'name at least one repository').max(20),
  query: z.string().trim().min(1, 'query is empty').max(2_000),
  searchType: searchTypeSchema.default('hybrid'),
  limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).default(5),
});

const addDocumentsInputSchema = z.object({
  repositoryId: repositoryIdSchema,
  documents: z
    .array(documentInputSchema)
    .min(1, 'add at least one document')
    .max(MAX_DOCUMENTS_PER_ADD, `add at most ${MAX_DOCUMENTS_PER_ADD} documents at a time`),
});

const importInputSchema = z.object({
  importId: z.string().regex(/^imp_[0-9a-f-]{36}$/, 'importId is not an import id (imp_ followed by a UUID)'),
});

const importNotFound = (importId: string) => new TRPCError({ code: 'NOT_FOUND', message: `Import ${importId} does not exist` });

export const knowledgeRouter = {
  repositories: {
    /** The repositories the caller may read (their own, the shared ones, and for admins all), a page at a time. */
    list: read
      .input(z.object(idPageSchema).default({ limit: 50 }))
      .query(async ({ ctx, input }) =>
        idPage(await ctx.services.knowledge.listRepositories(ctx.viewer, { afterId: input.cursor, limit: input.limit + 1 }), input.limit),
      ),
    get: read.input(z.object({ repositoryId: repositoryIdSchema })).query(({ ctx, input }) => readableRepository(ctx.services, ctx.viewer, input.repositoryId)),
    create: write
      .input(
        z.object({
          name: nameSchema,
          description: z.string().max(5_000).default(''),
          /** Private (the owner and admins) unless shared with everyone signed in. */
          visibility: visibilitySchema.default('private'),
          embeddingModel: z.string().min(1).max(200).optional(),
        }),
      )
      .mutation(async ({ ctx, input }) => {
        if ((await ctx.services.knowledge.countRepositoriesOwnedBy(ctx.identity.user.id)) >= MAX_REPOSITORIES_PER_PERSON) {
          throw new TRPCError({
            code: 'CONFLICT',
            message: `You have ${MAX_REPOSITORIES_PER_PERSON} knowledge repositories, the most one person may keep; delete some first`,
          });
        }
        if (input.embeddingModel !== undefined && !ctx.services.embeddings.has(input.embeddingModel)) {
          throw new TRPCError({
            code: 'BAD_REQUEST',
            message: `Unknown embedding model "${input.embeddingModel}"; available: ${ctx.services.embeddings.ids().join(', ')}`,
          });
        }
        return ctx.services.knowledge.createRepository({ ...input, ownerId: ctx.identity.user.id });
      }),
    /** Renames, redescribes or shares a repository (its owner or an admin). */
    update: write
      .input(
        z.object({
          repositoryId: repositoryIdSchema,
          name: nameSchema.optional(),
          description: z.string().max(5_000).optional(),
          visibility: visibilitySchema.optional(),
        }),
      )
      .mutation(async ({ ctx, input: { repositoryId, ...changes } }) => {
        await changeableRepository(ctx.services, ctx.viewer, repositoryId);
        return ctx.services.knowledge.updateRepository(repositoryId, changes);
      }),
    /** Deletes the repository with its documents; prompts that name it fail to retrieve from then on. */
    delete: write.input(z.object({ repositoryId: repositoryIdSchema })).mutation(async ({ ctx, input }) => {
      await changeableRepository(ctx.services, ctx.viewer, input.repositoryId);
      await ctx.services.knowledge.deleteRepository(input.repositoryId);
      return { repositoryId: input.repositoryId };
    }),
    embeddingModels: read.query(({ ctx }) => ({ models: ctx.services.embeddings.ids(), default: ctx.services.embeddings.defaultId })),
  },
  /**
   * What an import takes, for clients to check files before sending them: the kinds and size of a
   * document, how many go in one import, and how many imports one person may run at once (0: no limit).
   */
  importLimits: read.query(({ ctx }) => ({
    mediaTypes: DOCUMENT_FILE_TYPES,
    maxDocumentBytes: MAX_DOCUMENT_BYTES,
    maxDocumentsPerImport: MAX_DOCUMENTS_PER_ADD,
    importsAtOnce: ctx.services.usageLimits.settings.importsPerPerson,
  })),
  documents: {
    add: write.input(addDocumentsInputSchema).mutation(async ({ ctx, input, signal }) => {
      await changeableRepository(ctx.services, ctx.viewer, input.repositoryId);
      const documents = await ctx.services.knowledge.addDocuments(input.repositoryId, await toStoredDocuments(input.documents, signal), { signal });
      return { documents };
    }),
    /**
     * `add` for large batches, in the background: records the import and returns it at once
     * (nothing embedded yet); its progress is watched with `importProgress`. Nothing is stored in
     * the repository unless every document is.
     */
    import: write.input(addDocumentsInputSchema).mutation(async ({ ctx, input, signal }) => {
      await changeableRepository(ctx.services, ctx.viewer, input.repositoryId);
      const { user } = ctx.identity;
      const countRunning = () => ctx.services.imports.countRunning(user.id);
      // Refused before its PDFs are read, when it would be refused after.
      await ctx.services.usageLimits.checkImports(user, countRunning);
      const documents = await toStoredDocuments(input.documents, signal);
      return ctx.services.usageLimits.startImport(user, countRunning, () =>
        ctx.services.imports.start({ repositoryId: input.repositoryId, requestedById: user.id, documents }),
      );
    }),
    /** The caller's own imports, newest first: to find one again after a page reload. */
    listImports: read
      .input(z.object({ repositoryId: repositoryIdSchema.optional(), limit: z.number().int().min(1).max(100).default(20) }).default({ limit: 20 }))
      .query(({ ctx, input }) => ctx.services.imports.list(ctx.viewer, input)),
    /** An import as it stands (its starter or an admin). */
    getImport: read.input(importInputSchema).query(async ({ ctx, input }) => {
      const found = await ctx.services.imports.get(input.importId, ctx.viewer);
      if (!found) throw importNotFound(input.importId);
      return found;
    }),
    /**
     * An import now, then each change (chunks embedded of each document's total, at most four a
     * second) until it completes, fails or is cancelled, then ends. Only reads: opening it
     * changes nothing.
     */
    importProgress: read.input(importInputSchema).subscription(async function* ({ ctx, input, signal }) {
      yield* scopedStream(ctx, signal, async function* (scope) {
        try {
          yield* ctx.services.imports.watch(input.importId, ctx.viewer, scope.signal);
          scope.throwIfRevoked();
        } catch (error) {
          scope.throwIfRevoked();
          // Its client went away: the watch was stopped, not failed.
          if (scope.signal.aborted && !(error instanceof ImportNotFoundError)) return;
          throw error;
        }
      });
    }),
    /** Stops a running import; nothing of it is stored. */
    cancelImport: write.input(importInputSchema).mutation(async ({ ctx, input }) => {
      const cancelled = await ctx.services.imports.cancel(input.importId, ctx.viewer);
      if (cancelled === null) throw importNotFound(input.importId);
      if (!cancelled) throw new TRPCError({ code: 'CONFLICT', message: `Import ${input.importId} has already ended` });
      return { importId: input.importId, cancelled };
    }),
    /** A repository's documents (titles and chunk counts, not their text), a page at a time. */
    list: read
      .input(z.object({ repositoryId: repositoryIdSchema, ...idPageSchema, limit: z.number().int().min(1).max(500).default(100) }))
      .query(async ({ ctx, input }) =>
        idPage(await ctx.services.knowledge.listDocuments(input.repositoryId, ctx.viewer, { afterId: input.cursor, limit: input.limit + 1 }), input.limit),
      ),
    delete: write.input(z.object({ documentId: idSchema })).mutation(async ({ ctx, input }) => {
      const document = await ctx.services.knowledge.getDocument(input.documentId);
      const missing = new TRPCError({ code: 'NOT_FOUND', message: `Document ${input.documentId} does not exist` });
      if (!document) throw missing;
      // A document in a repository the caller cannot see does not exist for them either.
      if (!(await ctx.services.knowledge.getRepository(document.repositoryId, ctx.viewer))) throw missing;
      await changeableRepository(ctx.services, ctx.viewer, document.repositoryId);
      await ctx.services.knowledge.deleteDocument(input.documentId);
      return { documentId: input.documentId };
    }),
  },
  search: read.input(searchInputSchema).query(({ ctx, input, signal }) => ctx.services.knowledge.search({ ...input, signal, viewer: ctx.viewer })),
} satisfies TRPCRouterRecord;
