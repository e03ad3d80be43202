import type { RouterOutputs } from '@aae/api';

export type ImportView = RouterOutputs['knowledge']['documents']['getImport'];

/** Where an import's state comes from: its subscription, and a plain read of it. */
export interface ImportSource {
  subscribe(importId: string, handlers: { onData(view: ImportView): void; onError(error: unknown): void; onComplete(): void }): { unsubscribe(): void };
  get(importId: string): Promise<ImportView>;
}

export type FollowOutcome = { outcome: 'ended' } | { outcome: 'stopped' } | { outcome: 'unknown'; error: unknown };

/** How often an import is read when its subscription has failed. */
export const IMPORT_POLL_MS = 2_000;

/**
 * Follows one import until it ends, handing each state to `show`: through its subscription, or,
 * once that fails (a dropped connection the link gave up on), by reading it every few seconds. A
 * failed subscription says nothing of the import itself, which goes on on the server: only when
 * reading it fails too is its outcome unknown. `signal` (the page left) stops following.
 */
export function followImport(
  source: ImportSource,
  importId: string,
  show: (view: ImportView) => void,
  signal: AbortSignal,
  pollMs = IMPORT_POLL_MS,
): Promise<FollowOutcome> {
  return new Promise<FollowOutcome>((resolve) => {
    if (signal.aborted) return resolve({ outcome: 'stopped' });
    let subscription: { unsubscribe(): void } | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let finished = false;
    const finish = (outcome: FollowOutcome) => {
      if (finished) return;
      finished = true;
      signal.removeEventListener('abort', onAbort);
      subscription?.unsubscribe();
      clearTimeout(timer);
      resolve(outcome);
    };
    const onAbort = () => finish({ outcome: 'stopped' });
    signal.addEventListener('abort', onAbort, { once: true });
    const poll = async () => {
      let view: ImportView;
      try {
        view = await source.get(importId);
      } catch (error) {
        finish({ outcome: 'unknown', error });
        return;
      }
      if (finished) return;
      show(view);
      if (view.status === 'running') timer = setTimeout(() => void poll(), pollMs);
      else finish({ outcome: 'ended' });
    };
    subscription = source.subscribe(importId, {
      onData: (view) => {
        if (!finished) show(view);
      },
      onError: () => {
        subscription = null;
        if (!finished) void poll();
      },
      onComplete: () => finish({ outcome: 'ended' }),
    });
    if (finished) subscription.unsubscribe();
  });
}
