import { EventEmitter } from 'node:events';
import { isTerminalEvent, type StoredEvent } from '@aae/events';

/**
 * Publishes committed events to live readers in this process. Only events already in the
 * database are published, so anything a reader sees is in the history.
 */
/** Text a model is writing, as it is written: live only, never stored. */
export interface OutputDelta {
  executionId: number;
  promptId: number;
  text: string;
  /** The whole text of the prompt so far (the first delta a reader gets), not a piece to append. */
  replace?: boolean;
}

/** Why streams are cut: what happened to the person or token they were opened with. */
export const ACCESS_CHANGES = {
  disabled: 'This account is disabled; ask an admin to enable it',
  'role-changed': 'Your role changed; connecting again with it',
  'password-changed': 'The password of this account changed; connecting again',
  'session-ended': 'This session has ended; sign in again',
  'password-reset': 'An admin set a new password for this account; sign in again',
  'token-revoked': 'This token was revoked',
  expired: 'The credential this stream was opened with has expired',
  'contact-lost': 'The server lost touch with its other processes for a moment; connecting again',
} as const;
export type AccessChange = keyof typeof ACCESS_CHANGES;

/**
 * Changes after which a client connects again at once and is checked afresh: its access may still
 * hold (a new role; the tab that changed the password holds a new session), or it is refused then.
 * The others end the stream for good.
 */
export const RECHECK_CHANGES: ReadonlySet<AccessChange> = new Set(['role-changed', 'password-changed', 'contact-lost']);

/**
 * Whose streams to cut: a person's (all their credentials), one browser session's, one personal
 * access token's, or every stream (when revocations from other processes may have been missed).
 */
export type AccessKey = `user:${number}` | `session:${number}` | `token:${number}` | 'all';
export const ACCESS_KEY_PATTERN = /^(?:(?:user|session|token):\d+|all)$/;

/** The reason a stream's controller is aborted with when the access it was opened with ends. */
export class AccessRevokedError extends Error {
  override name = 'AccessRevokedError';
  constructor(readonly change: AccessChange) {
    super(ACCESS_CHANGES[change]);
  }
  /** Whether the client should connect again at once rather than stop. */
  get recheck(): boolean {
    return RECHECK_CHANGES.has(this.change);
  }
}

export interface EventBus {
  publish(events: readonly StoredEvent[]): void;
  /**
   * Live text, never stored (the stored output is the record): it reaches readers in this process
   * at once, and in the other processes of a PostgreSQL bus a moment later.
   */
  publishOutput(delta: OutputDelta): void;
  /**
   * The text of the execution's prompts still being written, first what they wrote so far (one
   * delta per prompt), then each new piece: a reader attaching mid-prompt misses nothing.
   */
  watchOutput(executionId: number, signal: AbortSignal): AsyncIterable<OutputDelta>;
  /** Events of one execution published from the moment of the call on, buffered until read. */
  watchExecution(executionId: number, signal: AbortSignal): AsyncIterable<StoredEvent>;
  /** Every published event, buffered from the moment of the call on. */
  watchAll(signal: AbortSignal): AsyncIterable<StoredEvent>;
  /** Ends the open streams of a person or a token in every process. */
  revokeAccess(key: AccessKey, change: AccessChange): void;
  /**
   * Aborts `controller` with an `AccessRevokedError` when access under any of `keys` ends, or at
   * once if it ended at or after `since` (ms since the epoch: when the access was checked, which
   * may be before this call); returns what stops listening.
   */
  abortOnRevoke(keys: readonly AccessKey[], controller: AbortController, since?: number): () => void;
  /** Resolves once live events from every process reach this one. */
  ready?: Promise<void>;
  close?(): Promise<void>;
}

const ALL = 'all';
/** How long a revocation is remembered for streams whose access was checked before it. */
const REVOCATION_MEMORY_MS = 10 * 60_000;
const executionChannel = (executionId: number) => `execution:${executionId}`;
const outputChannel = (executionId: number) => `output:${executionId}`;
const accessChannel = (key: AccessKey) => `access:${key}`;

export interface InProcessEventBus extends EventBus {
  /**
   * Hands events that may already have been seen to the watchers of their execution only: they
   * skip what they have by sequence, which watchers of every execution cannot do.
   */
  republishToExecutionWatchers(events: readonly StoredEvent[]): void;
  /**
   * Forgets the text so far of one prompt, or of every prompt of the execution, as its
   * `prompt-complete` or terminal event would: for text written in another process.
   */
  forgetOutput(executionId: number, promptId?: number): void;
}

/**
 * Values from the moment of the call (not from the first read, as a generator would), queued
 * until read, until `signal` aborts. `subscribe` starts listening with the function to call per
 * value and returns what stops it. A plain array, not `events.on()`, whose queue preallocates
 * 32 KB per reader (see BENCHMARKS.md).
 */
export function queuedIterable<T>(subscribe: (push: (value: T) => void) => () => void, signal: AbortSignal, initial: T[] = []): AsyncIterable<T> {
  const queue: T[] = initial;
  let wake: (() => void) | null = null;
  const push = (value: T) => {
    queue.push(value);
    wake?.();
    wake = null;
  };
  let unsubscribe: (() => void) | null = null;
  const stop = () => {
    unsubscribe?.();
    unsubscribe = null;
    wake?.();
    wake = null;
  };
  if (!signal.aborted) {
    unsubscribe = subscribe(push);
    signal.addEventListener('abort', stop, { once: true });
  }
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          while (queue.length > 0) yield queue.shift() as T;
          if (signal.aborted) return;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
      } finally {
        signal.removeEventListener('abort', stop);
        stop();
      }
    },
  };
}

export function createInProcessEventBus(): InProcessEventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);

  /** One channel's values from the moment of the call on, queued until read (see `queuedIterable`). */
  const watch = <T>(channel: string, signal: AbortSignal, initial: T[] = []): AsyncIterable<T> =>
    queuedIterable<T>(
      (push) => {
        emitter.on(channel, push);
        return () => emitter.off(channel, push);
      },
      signal,
      initial,
    );

  /** The latest revocation per key, oldest first, for streams that start after it (see `abortOnRevoke`). */
  const revocations = new Map<AccessKey, { at: number; change: AccessChange }>();
  const remember = (key: AccessKey, change: AccessChange) => {
    const at = Date.now();
    revocations.delete(key);
    revocations.set(key, { at, change });
    for (const [old, entry] of revocations) {
      if (entry.at >= at - REVOCATION_MEMORY_MS) break;
      revocations.delete(old);
    }
  };

  /** What each running prompt wrote so far, until its `prompt-complete` (then the stored output is the record). */
  const written = new Map<number, Map<number, string>>();
  const forgetOutput = (executionId: number, promptId?: number) => {
    if (promptId === undefined) written.delete(executionId);
    else written.get(executionId)?.delete(promptId);
  };
  const forget = (event: StoredEvent) => {
    if (isTerminalEvent(event)) forgetOutput(event.executionId);
    else if (event.eventType === 'prompt-complete') forgetOutput(event.executionId, event.eventData.promptId);
  };

  return {
    publish(events) {
      for (const event of events) {
        forget(event);
        emitter.emit(executionChannel(event.executionId), event);
        emitter.emit(ALL, event);
      }
    },
    republishToExecutionWatchers(events) {
      for (const event of events) {
        forget(event);
        emitter.emit(executionChannel(event.executionId), event);
      }
    },
    forgetOutput,
    publishOutput(delta) {
      let prompts = written.get(delta.executionId);
      if (!prompts) {
        prompts = new Map();
        written.set(delta.executionId, prompts);
      }
      prompts.set(delta.promptId, (prompts.get(delta.promptId) ?? '') + delta.text);
      emitter.emit(outputChannel(delta.executionId), delta);
    },
    watchExecution: (executionId, signal) => watch(executionChannel(executionId), signal),
    watchAll: (signal) => watch(ALL, signal),
    revokeAccess(key, change) {
      remember(key, change);
      emitter.emit(accessChannel(key), change);
    },
    abortOnRevoke(keys, controller, since) {
      const abort = (change: AccessChange) => {
        if (!controller.signal.aborted) controller.abort(new AccessRevokedError(change));
      };
      for (const key of keys) emitter.on(accessChannel(key), abort);
      if (since !== undefined) {
        // Revoked between the access check and now (a stream starts after its request was authenticated).
        for (const key of keys) {
          const revoked = revocations.get(key);
          if (revoked && revoked.at >= since) abort(revoked.change);
        }
      }
      return () => {
        for (const key of keys) emitter.off(accessChannel(key), abort);
      };
    },
    watchOutput(executionId, signal) {
      // Taken and subscribed in one synchronous step: nothing written in between is lost or doubled.
      const sofar = [...(written.get(executionId) ?? new Map<number, string>())].map(([promptId, text]) => ({ executionId, promptId, text, replace: true }));
      return watch(outputChannel(executionId), signal, sofar);
    },
  };
}
