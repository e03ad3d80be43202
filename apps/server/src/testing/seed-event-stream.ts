import { get, type IncomingHttpHeaders } from 'node:http';
import { deferred } from '@aae/events';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SeedStream {
  /** The answer's status and headers. */
  response: Promise<{ status: number; headers: IncomingHttpHeaders }>;
  /** The complete SSE messages received, in order. */
  messages: EventSourceMessage[];
  /** The `retry:` values and comments (`: ping`), as they came. */
  retries: number[];
  comments: string[];
  /** The body as text (a refusal's message). */
  text(): string;
  /** Resolves when the response ends or is cut (by the server or by `cut`). */
  ended: Promise<void>;
  /** Resolves once `count` messages have arrived. */
  received(count: number): Promise<void>;
  /** Drops the connection, as a network failure would. */
  cut(): void;
}

/**
 * Reads `GET /api/assistant-architect/events/:id` over a plain HTTP connection, as a browser's
 * EventSource would (parsed by eventsource-parser). `cutAfterBytes` drops the connection once that
 * many bytes of the body arrived, possibly in the middle of a message (which is then not seen).
 */
export function openSeedStream(url: string, options: { headers?: Record<string, string>; cutAfterBytes?: number } = {}): SeedStream {
  const messages: EventSourceMessage[] = [];
  const retries: number[] = [];
  const comments: string[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const response = deferred<{ status: number; headers: IncomingHttpHeaders }>();
  const ended = deferred<void>();
  let body = '';
  const parser = createParser({
    onEvent(message) {
      messages.push(message);
      for (const waiter of waiters.filter((w) => messages.length >= w.count)) waiter.resolve();
    },
    onRetry: (ms) => retries.push(ms),
    onComment: (comment) => comments.push(comment),
  });
  const request = get(url, { headers: { accept: 'text/event-stream', ...options.headers } }, (res) => {
    response.resolve({ status: res.statusCode ?? 0, headers: res.headers });
    const decoder = new TextDecoder();
    let bytes = 0;
    res.on('data', (chunk: Buffer) => {
      const room = options.cutAfterBytes === undefined ? Number.POSITIVE_INFINITY : options.cutAfterBytes - bytes;
      const piece = decoder.decode(chunk.subarray(0, Math.max(0, room)), { stream: true });
      bytes += chunk.length;
      body += piece;
      parser.feed(piece);
      if (room <= chunk.length) request.destroy();
    });
    res.on('close', () => ended.resolve());
  });
  request.on('error', () => ended.resolve());
  request.on('close', () => ended.resolve());
  response.promise.catch(() => {});
  ended.promise.then(() => response.reject(new Error('no answer before the connection closed')));
  return {
    response: response.promise,
    messages,
    retries,
    comments,
    text: () => body,
    ended: ended.promise,
    received(count) {
      if (messages.length >= count) return Promise.resolve();
      // A stream that ends first fails the wait rather than hang it.
      const early = ended.promise.then(() => {
        if (messages.length < count) throw new Error(`the stream ended after ${messages.length} of ${count} messages`);
      });
      return Promise.race([new Promise<void>((resolve) => waiters.push({ count, resolve })), early]);
    },
    cut: () => request.destroy(),
  };
}
