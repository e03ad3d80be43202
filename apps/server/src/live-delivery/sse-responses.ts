import type { ServerResponse } from 'node:http';
import { SlowWatcherError, type EventSink } from '@aae/api';
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

/**
 * Every SSE stream this process serves, written by the fan-out core: one write per event per
 * socket, of bytes made once per format; pings and the age limit checked by one timer for all.
 */
export function createSseResponses(options: SseResponsesOptions = {}) {
  const maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
  const maxDurationMs = options.maxDurationMs ?? 15 * 60_000;
  const sweepMs = options.sweepMs ?? 5_000;

  interface Open {
    res: ServerResponse;
    format: WireFormat;
    openedAt: number;
    /** Time since the last write, as the sweeps counted it. */
    idleMs: number;
    closed: boolean;
  }
  const open = new Set<Open>();
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

  return {
    /**
     * Serves `res` as an SSE stream in `format`. `onFailure` answers a failure of the stream's
     * history reads (a slow watcher is cut here: its client resumes by id).
     */
    open(res: ServerResponse, format: WireFormat, onFailure: (error: unknown, stream: SseResponse) => void): SseResponse {
      const stream: Open = { res, format, openedAt: Date.now(), idleMs: 0, closed: false };
      const start = () => {
        // Not once its client has gone (it may go while the stream is being set up).
        if (res.headersSent || stream.closed || res.destroyed || res.writableEnded || !res.socket || res.socket.destroyed) return;
        res.writeHead(200, format.headers);
        res.write(format.preamble());
        open.add(stream);
        if (!sweeper) {
          sweeper = setInterval(sweep, sweepMs);
          sweeper.unref();
        }
      };
      const closed = () => {
        stream.closed = true;
        open.delete(stream);
        if (open.size === 0 && sweeper) {
          clearInterval(sweeper);
          sweeper = null;
        }
      };
      res.once('close', closed);
      const write = (bytes: Buffer) => {
        // Ended (its age, a revocation) before the core heard it go: nothing more is written.
        if (res.writableEnded || res.destroyed) return true;
        start();
        stream.idleMs = 0;
        res.write(bytes);
        return res.writableLength <= maxBufferedBytes;
      };
      const response: SseResponse = {
        start,
        endWith(text) {
          if (res.writableEnded || res.destroyed) return;
          start();
          res.end(text);
        },
        sink: {
          send: (event) => write(format.event(event)),
          sendMany: (events) => write(format.events(events)),
          whenWritable() {
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
          },
          finish() {
            if (res.writableEnded || res.destroyed) return;
            start();
            if (format.ending) res.write(format.ending);
            res.end();
          },
          fail(error) {
            if (error instanceof SlowWatcherError) res.destroy();
            else onFailure(error, response);
          },
        },
      };
      return response;
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
