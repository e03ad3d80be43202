import type { ServerResponse } from 'node:http';
import { SlowWatcherError, type EventSink } from '@aae/runtime';
import type { StoredEvent } from '@aae/events';
import type { WireFormat } from './wire-formats.ts';

export interface SseResponsesOptions {
  /** Bytes a live stream may have waiting for its socket before its watcher counts as too slow and is cut. */
  maxBufferedBytes?: number;
  /** A stream ends (and its client resumes) after this long; tRPC's own streams do too. */
  maxDurationMs?: number;
  /** How often open streams are checked for pings and their age. */
  sweepMs?: number;
  /** Pings after this long without a write, whatever the format says (tests). */
  pingMs?: number;
}

export interface SseResponse {
  /** Where the fan-out core writes this stream's events. */
  sink: EventSink;
  /** Sends the headers and preamble, if no event did yet. */
  start(): void;
  /** Writes `text` (an error message) and ends the stream. */
  endWith(text: string): void;
}

/** While catching up, history is written while less than this waits for the socket. */
const READ_AHEAD_BYTES = 64 * 1024;

interface Settings {
  maxBufferedBytes: number;
  /** Adds and drops the stream in the set its pings and age are checked in. */
  opened(stream: SseStream): void;
  closed(stream: SseStream): void;
}

/**
 * One open SSE response, written by the fan-out core. A class, not a set of closures: its
 * methods are shared by every stream, and each open stream keeps only its fields.
 */
class SseStream implements EventSink, SseResponse {
  readonly openedAt = Date.now();
  /** Time since the last write, as the sweeps counted it. */
  idleMs = 0;
  closed = false;

  constructor(
    readonly res: ServerResponse,
    readonly format: WireFormat,
    private readonly settings: Settings,
    private readonly onFailure: (error: unknown, stream: SseResponse) => void,
  ) {
    res.once('close', () => this.onClose());
  }

  get sink(): EventSink {
    return this;
  }

  private onClose(): void {
    this.closed = true;
    this.settings.closed(this);
  }

  start(): void {
    const { res } = this;
    // Not once its client has gone (it may go while the stream is being set up).
    if (res.headersSent || this.closed || res.destroyed || res.writableEnded || !res.socket || res.socket.destroyed) return;
    res.writeHead(200, this.format.headers);
    res.write(this.format.preamble());
    this.settings.opened(this);
  }

  endWith(text: string): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    this.start();
    this.res.end(text);
  }

  private write(bytes: Buffer): boolean {
    const { res } = this;
    // Ended (its age, a revocation) before the core heard it go: nothing more is written.
    if (res.writableEnded || res.destroyed) return true;
    this.start();
    this.idleMs = 0;
    res.write(bytes);
    return res.writableLength <= this.settings.maxBufferedBytes;
  }

  send(event: StoredEvent): boolean {
    return this.write(this.format.event(event));
  }

  sendMany(events: readonly StoredEvent[]): boolean {
    return this.write(this.format.events(events));
  }

  whenWritable(): Promise<void> | null {
    const { res } = this;
    if (res.writableLength < READ_AHEAD_BYTES || res.destroyed) return null;
    return new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  }

  finish(): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    this.start();
    if (this.format.ending) this.res.write(this.format.ending);
    this.res.end();
  }

  fail(error: unknown): void {
    if (error instanceof SlowWatcherError) this.res.destroy();
    else this.onFailure(error, this);
  }
}

/**
 * Every SSE stream this process serves, written by the fan-out core: one write per event per
 * socket, of bytes made once per format; pings and the age limit checked by one timer for all.
 */
export function createSseResponses(options: SseResponsesOptions = {}) {
  const maxDurationMs = options.maxDurationMs ?? 15 * 60_000;
  const sweepMs = options.sweepMs ?? 5_000;
  const open = new Set<SseStream>();
  let sweeper: NodeJS.Timeout | null = null;

  function sweep() {
    const tooOld = Date.now() - maxDurationMs;
    for (const stream of open) {
      if (stream.res.writableEnded) continue;
      if (stream.openedAt <= tooOld) {
        // Ends without a terminal message: the client connects again from its last event. A
        // socket that is not taking what it has is dropped, not left to end some day.
        if (stream.res.writableLength > 0) stream.res.destroy();
        else stream.res.end();
        continue;
      }
      stream.idleMs += sweepMs;
      if (stream.idleMs >= (options.pingMs ?? stream.format.pingMs)) {
        stream.idleMs = 0;
        stream.res.write(stream.format.ping);
      }
    }
  }

  const settings: Settings = {
    maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
    opened(stream) {
      open.add(stream);
      if (!sweeper) {
        sweeper = setInterval(sweep, sweepMs);
        sweeper.unref();
      }
    },
    closed(stream) {
      open.delete(stream);
      if (open.size === 0 && sweeper) {
        clearInterval(sweeper);
        sweeper = null;
      }
    },
  };

  return {
    /**
     * Serves `res` as an SSE stream in `format`. `onFailure` answers a failure of the stream's
     * history reads (a slow watcher is cut here: its client resumes by id).
     */
    open(res: ServerResponse, format: WireFormat, onFailure: (error: unknown, stream: SseResponse) => void): SseResponse {
      return new SseStream(res, format, settings, onFailure);
    },

    /** Streams open now. */
    get size() {
      return open.size;
    },

    close() {
      if (sweeper) clearInterval(sweeper);
      sweeper = null;
      for (const stream of open) stream.res.destroy();
      open.clear();
    },
  };
}

export type SseResponses = ReturnType<typeof createSseResponses>;
