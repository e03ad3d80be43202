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
  sizeBytes: number;
  state: UploadState;
  /** Chunks embedded of the document's total (0 of 0 until the server has split it). */
  embeddedChunks: number;
  chunks: number;
  /** Why it was refused or failed, or why it waits. */
  message: string | null;
}

interface QueuedUpload {
  key: string;
  document: { title: string; mediaType: ImportLimits['mediaTypes'][number]; content: string };
}

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
          const progress = view.progress.documents[0];
          if (view.status === 'completed') {
            update(key, { state: 'done', chunks: progress?.chunks ?? 0, embeddedChunks: progress?.chunks ?? 0, message: null });
            onStoredRef.current();
          } else if (view.status === 'failed' || view.status === 'cancelled') {
            update(key, { state: 'failed', message: view.error ?? 'The import was cancelled; nothing was stored.' });
          } else if (progress) {
            update(key, { state: 'importing', chunks: progress.chunks, embeddedChunks: progress.embeddedChunks });
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
  const importsAtOnce = limits?.importsAtOnce;
  useEffect(() => {
    if (importsAtOnce === undefined) return;
    const queue = createImportQueue<QueuedUpload>({
      // No limit on the server: still a few at a time, so the first files finish first.
      limit: importsAtOnce > 0 ? importsAtOnce : 3,
      async run({ key, document }) {
        update(key, { state: 'importing', message: null });
        let started: ImportView;
        try {
          started = await utils.client.knowledge.documents.import.mutate({ repositoryId, documents: [document] });
        } catch (error) {
          throw retryAfter(error) ?? error;
        }
        await follow(key, started.id);
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
