import type { RouterOutputs } from '@aae/api';
import { TRPCClientError } from '@trpc/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { trpc } from '../trpc.ts';
import { createImportQueue, RetryLaterError } from './import-queue.ts';
import { readDocumentFile, type DocumentFileLimits } from './read-document-file.ts';

export type ImportLimits = RouterOutputs['knowledge']['importLimits'];
type ImportView = RouterOutputs['knowledge']['documents']['getImport'];

export type UploadState = 'reading' | 'refused' | 'waiting' | 'importing' | 'done' | 'failed';

/** One file dropped or picked, and how its import goes. */
export interface Upload {
  key: string;
  fileName: string;
  /** Null for an import found running after a reload: its file is not at hand. */
  sizeBytes: number | null;
  state: UploadState;
  /** Chunks embedded of the document's total (0 of 0 until the server has split it). */
  embeddedChunks: number;
  chunks: number;
  /** Why it was refused or failed, or why it waits. */
  message: string | null;
}

/** A file to import, or an import already running (found after a reload), which holds a place too. */
type QueuedUpload =
  | { key: string; document: { title: string; mediaType: ImportLimits['mediaTypes'][number]; content: string } }
  | { key: string; importId: string };

/** An import's documents together: chunks embedded of their total. */
const totals = (view: ImportView) =>
  view.progress.documents.reduce((sum, document) => ({ chunks: sum.chunks + document.chunks, embedded: sum.embedded + document.embeddedChunks }), {
    chunks: 0,
    embedded: 0,
  });

/** When the server says to come back later: its wait, at most a minute (a place of ours ending wakes the queue sooner). */
function retryAfter(error: unknown): RetryLaterError | null {
  if (!(error instanceof TRPCClientError)) return null;
  const data = error.data as { code?: string; retryAfterSeconds?: unknown } | undefined;
  if (data?.code !== 'TOO_MANY_REQUESTS') return null;
  const seconds = typeof data.retryAfterSeconds === 'number' && data.retryAfterSeconds > 0 ? data.retryAfterSeconds : 5;
  return new RetryLaterError(Math.min(seconds, 60) * 1_000, error.message);
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Files to documents of one repository: each read and checked here, then imported on its own (so
 * one bad file fails alone, nothing of it stored), at most as many at once as the server allows,
 * each import's progress followed through its subscription until it completes or fails.
 */
export function useDocumentUploads(repositoryId: number, limits: ImportLimits | undefined, onStored: () => void) {
  const utils = trpc.useUtils();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const update = useCallback((key: string, change: Partial<Upload>) => {
    setUploads((current) => current.map((upload) => (upload.key === key ? { ...upload, ...change } : upload)));
  }, []);
  const onStoredRef = useRef(onStored);
  onStoredRef.current = onStored;
  const nextKey = useRef(0);
  const subscriptions = useRef(new Set<{ unsubscribe(): void }>());

  /** Follows one import until it ends; resolves then, whatever the outcome (shown on its row). */
  const follow = useCallback(
    (key: string, importId: string) =>
      new Promise<void>((resolve) => {
        const show = (view: ImportView) => {
          const { chunks, embedded } = totals(view);
          if (view.status === 'completed') {
            update(key, { state: 'done', chunks, embeddedChunks: chunks, message: null });
            onStoredRef.current();
          } else if (view.status === 'failed' || view.status === 'cancelled') {
            update(key, { state: 'failed', message: view.error ?? 'The import was cancelled; nothing was stored.' });
          } else {
            update(key, { state: 'importing', chunks, embeddedChunks: embedded });
          }
        };
        const subscription = utils.client.knowledge.documents.importProgress.subscribe(
          { importId },
          {
            onData: show,
            onError(error) {
              update(key, { state: 'failed', message: `Lost track of the import: ${error.message}` });
              done();
            },
            onComplete: () => done(),
          },
        );
        subscriptions.current.add(subscription);
        function done() {
          subscriptions.current.delete(subscription);
          resolve();
        }
      }),
    [utils, update],
  );

  const queueRef = useRef<ReturnType<typeof createImportQueue<QueuedUpload>> | null>(null);
  /** Imports this page shows already: those it started, and those it found running. */
  const known = useRef(new Set<string>());
  const importsAtOnce = limits?.importsAtOnce;
  useEffect(() => {
    if (importsAtOnce === undefined) return;
    const queue = createImportQueue<QueuedUpload>({
      // No limit on the server: still a few at a time, so the first files finish first.
      limit: importsAtOnce > 0 ? importsAtOnce : 3,
      async run(item) {
        update(item.key, { state: 'importing', message: null });
        if ('importId' in item) return follow(item.key, item.importId);
        let started: ImportView;
        try {
          started = await utils.client.knowledge.documents.import.mutate({ repositoryId, documents: [item.document] });
        } catch (error) {
          throw retryAfter(error) ?? error;
        }
        known.current.add(started.id);
        await follow(item.key, started.id);
      },
      onRetryLater: (item, waitMs) =>
        update(item.key, { state: 'waiting', message: `The server is busy with other imports; trying again within ${Math.ceil(waitMs / 1_000)} s` }),
      onError: (item, error) => update(item.key, { state: 'failed', message: messageOf(error) }),
    });
    queueRef.current = queue;
    const open = subscriptions.current;
    return () => {
      queue.stop();
      for (const subscription of open) subscription.unsubscribe();
      open.clear();
      queueRef.current = null;
    };
  }, [importsAtOnce, repositoryId, utils, follow, update]);

  // After a reload, the imports of this repository still running come back with their progress.
  const running = trpc.knowledge.documents.listImports.useQuery(
    { repositoryId, limit: 20 },
    { staleTime: Number.POSITIVE_INFINITY, refetchOnWindowFocus: false },
  );
  const queueReady = importsAtOnce !== undefined;
  useEffect(() => {
    if (!queueReady || !queueRef.current || !running.data) return;
    const found = running.data.filter((item) => item.status === 'running' && !known.current.has(item.id));
    if (found.length === 0) return;
    const resumed = found.map((item) => {
      known.current.add(item.id);
      const titles = item.progress.documents.map((document) => document.title);
      return { key: `upload-${++nextKey.current}`, importId: item.id, fileName: titles.length === 1 ? titles[0]! : `${titles.length} documents` };
    });
    setUploads((current) => [
      ...resumed.map(({ key, fileName }): Upload => ({ key, fileName, sizeBytes: null, state: 'waiting', embeddedChunks: 0, chunks: 0, message: null })),
      ...current,
    ]);
    queueRef.current.add(resumed.map(({ key, importId }) => ({ key, importId })));
  }, [queueReady, running.data]);

  const add = useCallback(
    async (files: readonly File[]) => {
      if (!limits) return;
      const fileLimits: DocumentFileLimits = limits;
      const added = files.map((file) => ({ file, key: `upload-${++nextKey.current}` }));
      setUploads((current) => [
        ...added.map(
          ({ file, key }): Upload => ({
            key,
            fileName: file.name,
            sizeBytes: file.size,
            state: 'reading',
            embeddedChunks: 0,
            chunks: 0,
            message: null,
          }),
        ),
        ...current,
      ]);
      const read = await Promise.all(added.map(async ({ file, key }) => ({ key, read: await readDocumentFile(file, fileLimits) })));
      const accepted: QueuedUpload[] = [];
      for (const { key, read: result } of read) {
        if (result.ok) {
          accepted.push({ key, document: result.document });
          update(key, { state: 'waiting' });
        } else update(key, { state: 'refused', message: result.problem });
      }
      queueRef.current?.add(accepted);
    },
    [limits, update],
  );

  /** Forgets the rows of files that have ended (done, refused or failed). */
  const clearEnded = useCallback(() => setUploads((current) => current.filter((upload) => !['done', 'refused', 'failed'].includes(upload.state))), []);

  return { uploads, add, clearEnded };
}
