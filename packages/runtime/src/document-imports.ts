import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  KnowledgeRepositoryNotFoundError,
  MixedEmbeddingModelsError,
  type AddDocumentsProgress,
  type DocumentImport,
  type DocumentImportProgress,
  type DocumentImportRepository,
  type KnowledgeStore,
  type NewKnowledgeDocument,
  type Viewer,
} from '@aae/db';
import { createProgressThrottle, UnknownEmbeddingModelError } from '@aae/engine';

export interface DocumentImportsDeps {
  imports: DocumentImportRepository;
  knowledge: Pick<KnowledgeStore, 'addDocuments'>;
  logger: Pick<Console, 'error' | 'warn'>;
  /** How often a running import shows it is alive (and learns of a cancel) between progress reports. */
  heartbeatMs?: number;
  /** A running import not heard of for this long lost its process: it is reported failed. */
  lostAfterMs?: number;
  /** How often a watcher reads an import running in another process. */
  pollMs?: number;
  /** Ended imports are kept this long for anyone who asks how they went. */
  keepEndedMs?: number;
  /** An import still running after this long is stopped (a provider that never answers). */
  maxImportMs?: number;
}

/** An import as its watchers see it. */
export type DocumentImportView = DocumentImport;

export const IMPORT_LOST_MESSAGE = 'The server running this import stopped before it finished; nothing was stored. Import the documents again.';
const SHUTDOWN_MESSAGE = 'The server stopped before the import finished; nothing was stored. Import the documents again.';

class ImportStopped extends Error {
  constructor(readonly outcome: 'cancelled' | 'shutdown' | 'timeout') {
    super(`Import ${outcome}`);
  }
}

/** The server is stopping: no import starts now. */
export class ImportsClosedError extends Error {
  override name = 'ImportsClosedError';
  constructor() {
    super('The server is stopping; import the documents again in a moment');
  }
}

/** A failure in words a person can act on; anything unforeseen is logged and named by the import. */
function failureMessage(importId: string, error: unknown, logger: Pick<Console, 'error'>): string {
  if (error instanceof KnowledgeRepositoryNotFoundError || error instanceof MixedEmbeddingModelsError || error instanceof UnknownEmbeddingModelError) {
    return error.message;
  }
  logger.error(`[imports] import ${importId} failed:`, error);
  return `The import failed (import ${importId}); the server log has the details. Nothing was stored.`;
}

function progressOf(titles: readonly string[], step: AddDocumentsProgress): DocumentImportProgress {
  let before = 0;
  return {
    currentStep: step.currentStep,
    totalSteps: step.totalSteps,
    percentage: step.totalSteps > 0 ? Math.round((step.currentStep / step.totalSteps) * 100) : 100,
    message: step.message,
    documents: titles.map((title, index) => {
      const chunks = step.chunksPerDocument[index] ?? 0;
      const embeddedChunks = Math.min(chunks, Math.max(0, step.embeddedChunks - before));
      before += chunks;
      return { title, chunks, embeddedChunks };
    }),
  };
}

/**
 * Writes an import's progress one write at a time, keeping only the latest while one is in
 * flight; each write tells whether a cancel was asked for.
 */
function progressWriter(write: (progress?: DocumentImportProgress) => Promise<void>) {
  let inFlight: Promise<void> | null = null;
  let queued: { progress: DocumentImportProgress | undefined } | null = null;
  const drain = async () => {
    while (queued) {
      const next = queued;
      queued = null;
      await write(next.progress);
    }
    inFlight = null;
  };
  return {
    report(progress?: DocumentImportProgress) {
      // A heartbeat never replaces progress waiting to be written.
      queued = { progress: progress ?? queued?.progress };
      inFlight ??= drain();
    },
    settled: () => inFlight ?? Promise.resolve(),
  };
}

/**
 * Document imports that outlive the request that started them: `start` records the import and
 * returns at once; the chunks are embedded and stored in the background; anyone allowed watches
 * its progress (`watch`) from any process, since every report is written to the database.
 */
export function createDocumentImports(deps: DocumentImportsDeps) {
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  const lostAfterMs = deps.lostAfterMs ?? 120_000;
  const pollMs = deps.pollMs ?? 1_000;
  const keepEndedMs = deps.keepEndedMs ?? 7 * 24 * 60 * 60_000;
  const maxImportMs = deps.maxImportMs ?? 30 * 60_000;
  if (heartbeatMs >= lostAfterMs) throw new Error(`heartbeatMs (${heartbeatMs}) must be shorter than lostAfterMs (${lostAfterMs})`);
  const running = new Map<string, AbortController>();
  const tasks = new Set<Promise<void>>();
  const changed = new EventEmitter().setMaxListeners(0);
  let lastSweep = 0;
  let closing = false;

  async function run(id: string, repositoryId: number, documents: readonly NewKnowledgeDocument[]): Promise<void> {
    const stop = new AbortController();
    running.set(id, stop);
    const titles = documents.map((document) => document.title);
    const throttle = createProgressThrottle(250);
    const writer = progressWriter(async (progress) => {
      try {
        const { cancelRequested } = await deps.imports.touch(id, progress);
        if (cancelRequested && !stop.signal.aborted) stop.abort(new ImportStopped('cancelled'));
        changed.emit(id);
      } catch (error) {
        deps.logger.warn(`[imports] could not record the progress of import ${id}:`, error);
      }
    });
    // Neither keeps a process alive on its own: closing the services stops the import.
    const heartbeat = setInterval(() => writer.report(), heartbeatMs).unref();
    const deadline = setTimeout(() => stop.abort(new ImportStopped('timeout')), maxImportMs).unref();
    try {
      await deps.knowledge.addDocuments(repositoryId, documents, {
        signal: stop.signal,
        onProgress(step) {
          if (step.currentStep < step.totalSteps && throttle.shouldEmit(step.currentStep, step.totalSteps)) writer.report(progressOf(titles, step));
        },
        // Completed in the storing transaction, under the row's lock: a cancel that lands now
        // either rolls the documents back or is told the import already ended.
        async beforeCommit(tx, stored, step) {
          if (!(await deps.imports.completeIn(tx, id, progressOf(titles, step), stored))) throw new ImportStopped('cancelled');
        },
      });
    } catch (error) {
      const reason = stop.signal.aborted ? stop.signal.reason : error instanceof ImportStopped ? error : undefined;
      clearInterval(heartbeat);
      await writer.settled();
      if (reason instanceof ImportStopped && reason.outcome === 'cancelled') await deps.imports.finish(id, { status: 'cancelled' });
      else if (reason instanceof ImportStopped && reason.outcome === 'shutdown') await deps.imports.finish(id, { status: 'failed', error: SHUTDOWN_MESSAGE });
      else if (reason instanceof ImportStopped) {
        await deps.imports.finish(id, {
          status: 'failed',
          error: `The import took longer than ${Math.round(maxImportMs / 60_000)} minutes and was stopped; nothing was stored.`,
        });
      } else await deps.imports.finish(id, { status: 'failed', error: failureMessage(id, error, deps.logger) });
    } finally {
      clearInterval(heartbeat);
      clearTimeout(deadline);
      await writer.settled();
      running.delete(id);
      changed.emit(id);
    }
  }

  /** The import as it stands; one whose process went away is recorded as failed first. */
  async function current(row: DocumentImport): Promise<DocumentImport> {
    if (row.status === 'running' && !running.has(row.id) && row.updatedAt.getTime() < Date.now() - lostAfterMs) {
      await deps.imports.markLost(row.id, new Date(Date.now() - lostAfterMs), IMPORT_LOST_MESSAGE);
      return (await deps.imports.get(row.id)) ?? row;
    }
    return row;
  }

  function sweep(): void {
    if (Date.now() - lastSweep < 60_000) return;
    lastSweep = Date.now();
    deps.imports
      .sweep(new Date(Date.now() - lostAfterMs), new Date(Date.now() - keepEndedMs), IMPORT_LOST_MESSAGE)
      .catch((error: unknown) => deps.logger.warn('[imports] could not sweep old imports:', error));
  }

  const mayRead = (row: DocumentImport, viewer: Viewer) => viewer.isAdmin || row.requestedById === viewer.userId;

  return {
    /** Imports this process is running now, for metrics. */
    runningHere: () => running.size,

    /** Imports of one person running now (the usage limit counts them). */
    countRunning: (userId: number) => deps.imports.countRunning(userId, new Date(Date.now() - lostAfterMs)),

    /** Records the import and starts it in the background; returns before any chunk is embedded. */
    async start(input: { repositoryId: number; requestedById: number; documents: readonly NewKnowledgeDocument[] }): Promise<DocumentImportView> {
      if (closing) throw new ImportsClosedError();
      sweep();
      const id = `imp_${randomUUID()}`;
      const created = await deps.imports.create({
        id,
        repositoryId: input.repositoryId,
        requestedById: input.requestedById,
        progress: {
          currentStep: 0,
          totalSteps: 0,
          percentage: 0,
          message: `Importing ${input.documents.length} ${input.documents.length === 1 ? 'document' : 'documents'}`,
          documents: input.documents.map((document) => ({ title: document.title, chunks: 0, embeddedChunks: 0 })),
        },
      });
      const task = run(id, input.repositoryId, input.documents).catch((error: unknown) =>
        deps.logger.error(`[imports] import ${id} could not be ended:`, error),
      );
      tasks.add(task);
      void task.finally(() => tasks.delete(task));
      return created;
    },

    /** The import, if `viewer` started it or is an admin. */
    async get(id: string, viewer: Viewer): Promise<DocumentImportView | null> {
      const row = await deps.imports.get(id);
      return row && mayRead(row, viewer) ? current(row) : null;
    },

    /** `viewer`'s own imports, newest first (running ones read as they stand). */
    async list(viewer: Viewer, options: { repositoryId?: number | undefined; limit: number }): Promise<DocumentImportView[]> {
      return Promise.all((await deps.imports.listFor(viewer.userId, options)).map(current));
    },

    /** Asks a running import to stop; nothing of it is stored. False when it already ended. */
    async cancel(id: string, viewer: Viewer): Promise<boolean | null> {
      const row = await deps.imports.get(id);
      if (!row || !mayRead(row, viewer)) return null;
      if ((await current(row)).status !== 'running') return false;
      // Waits on the row while its documents are being stored, then finds it completed.
      if (!(await deps.imports.requestCancel(id))) return false;
      running.get(id)?.abort(new ImportStopped('cancelled'));
      return true;
    },

    /**
     * The import now, then each change until it ends. Changes made in this process arrive at
     * once; one running elsewhere is read every `pollMs`.
     */
    async *watch(id: string, viewer: Viewer, signal: AbortSignal): AsyncGenerator<DocumentImportView, void> {
      let last = '';
      // Listening for the whole watch: a change between a read and the wait is not missed.
      let dirty = false;
      let wake: (() => void) | null = null;
      const onChange = () => {
        dirty = true;
        wake?.();
      };
      changed.on(id, onChange);
      signal.addEventListener('abort', onChange);
      try {
        for (;;) {
          signal.throwIfAborted();
          dirty = false;
          const row = await deps.imports.get(id);
          if (!row || !mayRead(row, viewer)) {
            throw new ImportNotFoundError(id, last === '' ? undefined : 'its repository or its starter was deleted');
          }
          const view = await current(row);
          const key = `${view.status}:${view.updatedAt.getTime()}:${view.progress.currentStep}`;
          if (key !== last) {
            last = key;
            yield view;
          }
          if (view.status !== 'running') return;
          if (dirty) continue;
          // Here, every change is announced (the read after the wait is a safety net); from
          // elsewhere, only reading shows one.
          const waitMs = running.has(id) ? heartbeatMs : pollMs;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, waitMs);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = null;
        }
      } finally {
        changed.off(id, onChange);
        signal.removeEventListener('abort', onChange);
      }
    },

    /** Refuses new imports, stops those of this process (recorded as failed: import again) and waits for them. */
    async stopAll(): Promise<void> {
      closing = true;
      for (const stop of running.values()) stop.abort(new ImportStopped('shutdown'));
      await Promise.allSettled([...tasks]);
    },
  };
}

export class ImportNotFoundError extends Error {
  override name = 'ImportNotFoundError';
  constructor(
    readonly importId: string,
    why?: string,
  ) {
    super(why ? `Import ${importId} no longer exists: ${why}` : `Import ${importId} does not exist`);
  }
}

export type DocumentImports = ReturnType<typeof createDocumentImports>;
