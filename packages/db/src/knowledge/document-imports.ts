import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { KnowledgeDocumentSummary } from './knowledge-documents.ts';

export type DocumentImportStatus = 'running' | 'completed' | 'failed' | 'cancelled';

/** How far an import has come; per document, chunks embedded of its total. */
export interface DocumentImportProgress {
  currentStep: number;
  totalSteps: number;
  percentage: number;
  message: string;
  documents: Array<{ title: string; chunks: number; embeddedChunks: number }>;
}

/** One import as its watchers see it. */
export interface DocumentImport {
  id: string;
  repositoryId: number;
  requestedById: number;
  status: DocumentImportStatus;
  progress: DocumentImportProgress;
  /** The stored documents, once completed. */
  documents: KnowledgeDocumentSummary[] | null;
  /** Why it failed, in words a person can act on. */
  error: string | null;
  cancelRequested: boolean;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

const select = {
  id: true,
  repositoryId: true,
  requestedById: true,
  status: true,
  progress: true,
  documents: true,
  error: true,
  cancelRequestedAt: true,
  createdAt: true,
  updatedAt: true,
  finishedAt: true,
} satisfies Prisma.DocumentImportSelect;

type Row = Prisma.DocumentImportGetPayload<{ select: typeof select }>;

function toImport({ cancelRequestedAt, ...row }: Row): DocumentImport {
  return {
    ...row,
    status: row.status as DocumentImportStatus,
    progress: row.progress as unknown as DocumentImportProgress,
    documents: (row.documents as unknown as KnowledgeDocumentSummary[] | null) ?? null,
    cancelRequested: cancelRequestedAt !== null,
  };
}

/** Where imports are recorded, so any process can report on them. */
export function createDocumentImportRepository(prisma: PrismaClient) {
  return {
    async create(input: { id: string; repositoryId: number; requestedById: number; progress: DocumentImportProgress }): Promise<DocumentImport> {
      return toImport(await prisma.documentImport.create({ data: { ...input, progress: input.progress as unknown as Prisma.InputJsonValue }, select }));
    },

    async get(id: string): Promise<DocumentImport | null> {
      const row = await prisma.documentImport.findUnique({ where: { id }, select });
      return row ? toImport(row) : null;
    },

    /** Records progress of a running import; answers whether someone asked to cancel it. */
    async touch(id: string, progress?: DocumentImportProgress): Promise<{ cancelRequested: boolean }> {
      const rows = await prisma.documentImport.updateManyAndReturn({
        where: { id, status: 'running' },
        data: { updatedAt: new Date(), ...(progress ? { progress: progress as unknown as Prisma.InputJsonValue } : {}) },
        select: { cancelRequestedAt: true },
      });
      // Gone (its repository was deleted) counts as cancelled.
      return { cancelRequested: rows.length === 0 || rows[0]!.cancelRequestedAt !== null };
    },

    /**
     * Marks a running import completed inside the transaction that stores its documents, locking
     * its row: false (roll the documents back) when it was cancelled or given up meanwhile.
     */
    async completeIn(tx: Prisma.TransactionClient, id: string, progress: DocumentImportProgress, documents: KnowledgeDocumentSummary[]): Promise<boolean> {
      const now = new Date();
      const { count } = await tx.documentImport.updateMany({
        where: { id, status: 'running', cancelRequestedAt: null },
        data: {
          status: 'completed',
          updatedAt: now,
          finishedAt: now,
          progress: progress as unknown as Prisma.InputJsonValue,
          documents: documents as unknown as Prisma.InputJsonValue,
        },
      });
      return count === 1;
    },

    /** Marks one running import as lost if nothing touched it since `aliveSince`. */
    async markLost(id: string, aliveSince: Date, message: string): Promise<void> {
      const now = new Date();
      await prisma.documentImport.updateMany({
        where: { id, status: 'running', updatedAt: { lt: aliveSince } },
        data: { status: 'failed', error: message, updatedAt: now, finishedAt: now },
      });
    },

    /** One person's imports, newest first. */
    async listFor(requestedById: number, options: { repositoryId?: number | undefined; limit: number }): Promise<DocumentImport[]> {
      const rows = await prisma.documentImport.findMany({
        where: { requestedById, ...(options.repositoryId === undefined ? {} : { repositoryId: options.repositoryId }) },
        orderBy: { createdAt: 'desc' },
        take: options.limit,
        select,
      });
      return rows.map(toImport);
    },

    /** Ends a running import; an import already ended stays as it was. */
    async finish(id: string, outcome: { status: 'failed'; error: string } | { status: 'cancelled' }): Promise<void> {
      const now = new Date();
      await prisma.documentImport.updateMany({
        where: { id, status: 'running' },
        data: { status: outcome.status, updatedAt: now, finishedAt: now, ...(outcome.status === 'failed' ? { error: outcome.error } : {}) },
      });
    },

    /** Asks the process running it to stop; false when it is not running. */
    async requestCancel(id: string): Promise<boolean> {
      const { count } = await prisma.documentImport.updateMany({ where: { id, status: 'running' }, data: { cancelRequestedAt: new Date() } });
      return count > 0;
    },

    /** Running imports not given up as lost (touched since `aliveSince`): one person's, and everyone's. */
    async countRunning(requestedById: number, aliveSince: Date): Promise<{ mine: number; all: number }> {
      const rows = await prisma.documentImport.groupBy({
        by: ['requestedById'],
        where: { status: 'running', updatedAt: { gte: aliveSince } },
        _count: { _all: true },
      });
      return {
        mine: rows.find((row) => row.requestedById === requestedById)?._count._all ?? 0,
        all: rows.reduce((sum, row) => sum + row._count._all, 0),
      };
    },

    /**
     * Marks running imports not touched since `aliveSince` as failed (their process went away),
     * and deletes ended ones older than `endedBefore`.
     */
    async sweep(aliveSince: Date, endedBefore: Date, lostMessage: string): Promise<{ lost: number; deleted: number }> {
      const now = new Date();
      const lost = await prisma.documentImport.updateMany({
        where: { status: 'running', updatedAt: { lt: aliveSince } },
        data: { status: 'failed', error: lostMessage, updatedAt: now, finishedAt: now },
      });
      const deleted = await prisma.documentImport.deleteMany({ where: { finishedAt: { lt: endedBefore } } });
      return { lost: lost.count, deleted: deleted.count };
    },
  };
}

export type DocumentImportRepository = ReturnType<typeof createDocumentImportRepository>;
