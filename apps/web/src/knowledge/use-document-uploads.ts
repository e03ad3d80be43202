import type { RouterOutputs } from '@aae/api';
import { TRPCClientError } from '@trpc/client';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useLeaveGuard } from '../components/leave-guard.tsx';
import { trpc } from '../trpc.ts';
import { followImport, type ImportSource, type ImportView } from './follow-import.ts';
import { createImportQueue, RetryLaterError } from './import-queue.ts';
import { readDocumentFile, type DocumentFileLimits, type ReadDocumentFile } from './read-document-file.ts';

export type ImportLimits = RouterOutputs['knowledge']['importLimits'];

export type UploadState = 'reading' | 'refused' | 'waiting' | 'importing' | 'done' | 'failed' | 'cancelled' | 'unknown';

/** States a row ends in: nothing more happens to it. */
export const ENDED_STATES: readonly UploadState[] = ['done', 'refused', 'failed', 'cancelled', 'unknown'];

/** One file dropped or picked, and how its import goes. */
export interface Upload {
  key: string;
  fileName: string;
  /** Null for an import found running after a reload: its file is not at hand. */
  sizeBytes: number | null;
  /** The file's name, size and time, to see the same file dropped again; null for an import found running. */
  fileId: string | null;
  /** Its import once the server started it. */
  importId: string | null;
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

/** An error as a person reads it: each file is imported alone, so the API's place of it (`documents.0.`) says nothing. */
export const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).replace(/\bdocuments\.\d+\./g, '');

const CANCELLED_UNSENT = 'Cancelled before it was sent; nothing of it was stored.';

const fileIdOf = (file: File) => `${file.name}\u0000${file.size}\u0000${file.lastModified}`;

/** Rows whose file would be lost if the page closed now: not yet handed to the server. */
const isUnsent = (upload: Upload) => upload.importId === null && upload.fileId !== null && !ENDED_STATES.includes(upload.state);

const newRow = (key: string, fileName: string, change: Partial<Upload>): Upload => ({
  key,
  fileName,
  sizeBytes: null,
  fileId: null,
  importId: null,
  state: 'waiting',
  embeddedChunks: 0,
  chunks: 0,
  message: null,
  ...change,
});

/**
 * Files to documents of one repository: each read and checked here, then imported on its own (so
 * one bad file fails alone, nothing of it stored), at most as many at once as the server allows,
 * each import's progress followed until it completes or fails. Imports of this repository still
 * running come back when the page is opened again; closing the page while files are still to be
 * sent asks first.
 */
export function useDocumentUploads(repositoryId: number, limits: ImportLimits | undefined, onStored: () => void) {
  const utils = trpc.useUtils();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const uploadsRef = useRef(uploads);
  uploadsRef.current = uploads;
  const update = useCallback((key: string, change: Partial<Upload>) => {
    setUploads((current) => current.map((upload) => (upload.key === key ? { ...upload, ...change } : upload)));
  }, []);
  const onStoredRef = useRef(onStored);
  onStoredRef.current = onStored;
  const nextKey = useRef(0);
  /** Rows cancelled while their import was being started: cancelled on the server once it has. */
  const cancelOnStart = useRef(new Set<string>());

  const source = useMemo<ImportSource>(
    () => ({
      subscribe: (importId, handlers) => utils.client.knowledge.documents.importProgress.subscribe({ importId }, handlers),
      get: (importId) => utils.client.knowledge.documents.getImport.query({ importId }),
    }),
    [utils],
  );

  /** Follows one import until it ends, the page is left, or neither its stream nor reading it answers. */
  const follow = useCallback(
    async (key: string, importId: string, signal: AbortSignal) => {
      const show = (view: ImportView) => {
        const { chunks, embedded } = totals(view);
        if (view.status === 'completed') {
          update(key, { state: 'done', chunks, embeddedChunks: chunks, message: null });
          onStoredRef.current();
        } else if (view.status === 'cancelled') update(key, { state: 'cancelled', message: 'Cancelled; nothing of it was stored.' });
        else if (view.status === 'failed') update(key, { state: 'failed', message: view.error ?? 'The import failed; nothing was stored.' });
        else update(key, { state: 'importing', chunks, embeddedChunks: embedded });
      };
      const followed = await followImport(source, importId, show, signal);
      if (followed.outcome === 'unknown') {
        update(key, {
          state: 'unknown',
          message: `Lost track of the import (${messageOf(followed.error)}); it may still finish: open this page again later to see.`,
        });
      }
    },
    [source, update],
  );

  const queueRef = useRef<ReturnType<typeof createImportQueue<QueuedUpload>> | null>(null);
  /** Imports this page shows already: those it started, and those it found running. */
  const known = useRef(new Set<string>());
  /** Imports being started: until each has its id, a list of running imports may hold it unrecognised. */
  const [starting, setStarting] = useState(0);
  const importsAtOnce = limits?.importsAtOnce;
  useEffect(() => {
    if (importsAtOnce === undefined) return;
    const left = new AbortController();
    const queue = createImportQueue<QueuedUpload>({
      // No limit on the server: still a few at a time, so the first files finish first.
      limit: importsAtOnce > 0 ? importsAtOnce : 3,
      async run(item) {
        if (left.signal.aborted) return;
        update(item.key, { state: 'importing', message: null });
        if ('importId' in item) return follow(item.key, item.importId, left.signal);
        setStarting((count) => count + 1);
        let started: ImportView;
        try {
          started = await utils.client.knowledge.documents.import.mutate({ repositoryId, documents: [item.document] });
        } catch (error) {
          setStarting((count) => count - 1);
          if (cancelOnStart.current.delete(item.key)) return update(item.key, { state: 'cancelled', message: CANCELLED_UNSENT });
          throw retryAfter(error) ?? error;
        }
        known.current.add(started.id);
        setStarting((count) => count - 1);
        // Left while it started: the import goes on, and comes back when the page is opened again.
        if (left.signal.aborted) return;
        update(item.key, { importId: started.id });
        if (cancelOnStart.current.delete(item.key)) void utils.client.knowledge.documents.cancelImport.mutate({ importId: started.id }).catch(() => {});
        await follow(item.key, started.id, left.signal);
      },
      onRetryLater: (item, waitMs) =>
        update(item.key, { state: 'waiting', message: `The server is busy with other imports; trying again within ${Math.ceil(waitMs / 1_000)} s` }),
      onError: (item, error) => {
        if (!left.signal.aborted) update(item.key, { state: 'failed', message: messageOf(error) });
      },
    });
    queueRef.current = queue;
    return () => {
      left.abort();
      queue.stop();
      queueRef.current = null;
    };
  }, [importsAtOnce, repositoryId, utils, follow, update]);

  // Imports of this repository still running (after a reload, or after leaving and coming back)
  // come back with their progress: asked for again on every visit.
  const running = trpc.knowledge.documents.listImports.useQuery({ repositoryId, limit: 20 }, { refetchOnMount: 'always', refetchOnWindowFocus: false });
  const queueReady = importsAtOnce !== undefined;
  useEffect(() => {
    // An answer kept from an earlier visit is used too: an import it lists as running that has ended since shows its end.
    if (!queueReady || !queueRef.current || !running.data || starting > 0) return;
    const found = running.data.filter((item) => item.status === 'running' && !known.current.has(item.id));
    if (found.length === 0) return;
    const resumed = found.map((item) => {
      known.current.add(item.id);
      const titles = item.progress.documents.map((document) => document.title);
      return newRow(`upload-${++nextKey.current}`, titles.length === 1 ? titles[0]! : `${titles.length} documents`, { importId: item.id });
    });
    setUploads((current) => [...resumed, ...current]);
    queueRef.current.add(resumed.map(({ key, importId }) => ({ key, importId: importId! })));
  }, [queueReady, running.data, starting]);

  const add = useCallback(
    async (files: readonly File[]) => {
      if (!limits) return;
      const fileLimits: DocumentFileLimits = limits;
      // The same file again while it still waits to be sent: said so, not sent twice.
      const pending = new Set(uploadsRef.current.filter(isUnsent).map((upload) => upload.fileId));
      const added = files.map((file) => {
        const fileId = fileIdOf(file);
        const again = pending.has(fileId);
        pending.add(fileId);
        return {
          file,
          again,
          row: newRow(`upload-${++nextKey.current}`, file.name, { sizeBytes: file.size, fileId: again ? null : fileId, state: 'reading' }),
        };
      });
      setUploads((current) => [...added.map(({ row }) => row), ...current]);
      // Each file on its own: one that cannot be read is refused alone.
      const read = await Promise.allSettled(
        added.map(
          ({ file, again }): Promise<ReadDocumentFile> =>
            again ? Promise.resolve({ ok: false, problem: 'Already in the list, waiting to be added: not added twice' }) : readDocumentFile(file, fileLimits),
        ),
      );
      const accepted: QueuedUpload[] = [];
      for (const [index, outcome] of read.entries()) {
        const { key } = added[index]!.row;
        const result: ReadDocumentFile =
          outcome.status === 'fulfilled' ? outcome.value : { ok: false, problem: `Could not be read: ${messageOf(outcome.reason)}` };
        if (result.ok) {
          accepted.push({ key, document: result.document });
          update(key, { state: 'waiting' });
        } else update(key, { state: 'refused', message: result.problem });
      }
      queueRef.current?.add(accepted);
    },
    [limits, update],
  );

  /** Cancels one row: taken out of the queue if not sent yet, else its import cancelled on the server. */
  const cancel = useCallback(
    (key: string) => {
      const upload = uploadsRef.current.find((candidate) => candidate.key === key);
      if (!upload || ENDED_STATES.includes(upload.state)) return;
      if (queueRef.current?.remove((item) => item.key === key).length) {
        update(key, { state: 'cancelled', message: CANCELLED_UNSENT });
      } else if (upload.importId === null) cancelOnStart.current.add(key);
      else {
        utils.client.knowledge.documents.cancelImport
          .mutate({ importId: upload.importId })
          .catch((error: unknown) => update(key, { message: `Could not cancel: ${messageOf(error)}` }));
      }
    },
    [utils, update],
  );

  const unsent = uploads.some(isUnsent);
  // Files not yet sent live in this page only: leaving it, closing or reloading it now would drop them.
  // One whose request is under way goes on when the person moves to another page of the app.
  const waiting = uploads.some((upload) => isUnsent(upload) && upload.state !== 'importing');
  const { blocker } = useLeaveGuard(unsent, waiting);

  /** Forgets the rows that have ended (done, refused, failed, cancelled or unknown). */
  const clearEnded = useCallback(() => setUploads((current) => current.filter((upload) => !ENDED_STATES.includes(upload.state))), []);

  return { uploads, add, cancel, clearEnded, unsent, leaveBlocker: blocker };
}
