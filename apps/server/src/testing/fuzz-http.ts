import { createParser } from 'eventsource-parser';

/** The shape of a tRPC error as the server writes it (inside `{"error": {"json": …}}`, a stream's error event, a JSONL line). */
export interface ErrorShape {
  message: string;
  data?: { code?: string; httpStatus?: number; zodError?: unknown };
}

/** What one request got back. */
export interface Answer {
  /** The HTTP status; 0 when no answer came (connection refused or reset, or no answer in time). */
  status: number;
  /** The error the body or the stream carried, if any (a stream's error has its own `httpStatus`). */
  error: ErrorShape | null;
  /** The result's `json`, when the call succeeded. */
  result: unknown;
  text: string;
  ms: number;
  /** Why no answer came, when none did. */
  failure?: string;
}

/** The status that counts: a stream's error status when the HTTP status was a 200 that opened the stream. */
export const effectiveStatus = (answer: Answer) => (answer.status === 200 && answer.error?.data?.httpStatus) || answer.status;

/** Plain requests get this long before they count as unanswered (a stall). */
const ANSWER_WITHIN_MS = 20_000;

const isErrorShape = (value: unknown): value is ErrorShape =>
  value !== null &&
  typeof value === 'object' &&
  typeof (value as ErrorShape).message === 'string' &&
  typeof (value as ErrorShape).data?.httpStatus === 'number';

/** The first tRPC error shape anywhere in `value` (a batch or a stream nests it). */
function findError(value: unknown, depth = 0): ErrorShape | null {
  if (isErrorShape(value)) return value;
  if (value === null || typeof value !== 'object' || depth > 8) return null;
  for (const item of Object.values(value)) {
    const found = findError(item, depth + 1);
    if (found) return found;
  }
  return null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A reset before any answer, once more: Node's fetch may still hand a request a pooled socket the
 * server is closing (seen under load). A second reset, or any other failure, is the answer.
 */
async function timed(url: string, init: RequestInit, read: (response: Response) => Promise<Omit<Answer, 'ms' | 'status'>>): Promise<Answer> {
  const first = await timedOnce(url, init, read);
  const reset = first.status === 0 && /ECONNRESET|other side closed|socket hang up/i.test(first.failure ?? '');
  return reset && !(init.body instanceof ReadableStream) ? timedOnce(url, init, read) : first;
}

async function timedOnce(url: string, init: RequestInit, read: (response: Response) => Promise<Omit<Answer, 'ms' | 'status'>>): Promise<Answer> {
  const started = performance.now();
  // A connection of its own: a reset then belongs to this request, not to an idle one the pool reused.
  const headers = { ...(init.headers as Record<string, string> | undefined), connection: 'close' };
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(ANSWER_WITHIN_MS), ...init, headers });
    const answer = await read(response);
    return { status: response.status, ...answer, ms: performance.now() - started };
  } catch (error) {
    const failure =
      error instanceof Error ? `${error.name}: ${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
    return { status: 0, error: null, result: undefined, text: '', ms: performance.now() - started, failure };
  }
}

/** A plain JSON answer: `{"result": {"data": {"json": …}}}` or `{"error": {"json": …}}`. */
async function readJson(response: Response) {
  const text = await response.text();
  const body = parseJson(text) as { result?: { data?: { json?: unknown } }; error?: { json?: unknown } } | undefined;
  return { text, error: findError(body?.error?.json ?? body?.error ?? null), result: body?.result?.data?.json };
}

/** A query: GET with the input in `?input=`. */
export function query(baseUrl: string, path: string, headers: Record<string, string>, inputText: string | undefined) {
  const search = inputText === undefined ? '' : `?input=${encodeURIComponent(inputText)}`;
  return timed(`${baseUrl}/trpc/${path}${search}`, { headers }, readJson);
}

/** A mutation: POST with the input as the JSON body. */
export function mutate(baseUrl: string, path: string, headers: Record<string, string>, bodyText: string) {
  return timed(`${baseUrl}/trpc/${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: bodyText }, readJson);
}

/** Whether a mutation's answer says it streams its result: then only a streaming (batched, JSONL) request reads it. */
export const wantsStreaming = (answer: Answer) => answer.error?.data?.code === 'UNSUPPORTED_MEDIA_TYPE' && /stream/i.test(answer.error.message);

/**
 * A mutation whose result is a stream, as `httpBatchStreamLink` sends it: a batch of one, answered
 * in JSONL, read to its end. Its result is every line's `json`.
 */
export function mutateStreaming(baseUrl: string, path: string, headers: Record<string, string>, bodyText: string) {
  return timed(
    `${baseUrl}/trpc/${path}?batch=1`,
    { method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'trpc-accept': 'application/jsonl' }, body: `{"0":${bodyText}}` },
    async (response) => {
      const text = await response.text();
      const lines = text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => (parseJson(line) as { json?: unknown } | undefined)?.json);
      return { text, error: findError(lines), result: lines };
    },
  );
}

/**
 * A subscription over SSE, read until its first event (data, error or end) or until `abortMs`
 * passes; tRPC's `connected` and ping events do not count.
 */
export async function subscribe(baseUrl: string, path: string, headers: Record<string, string>, inputText: string | undefined, abortMs: number) {
  const search = inputText === undefined ? '' : `?input=${encodeURIComponent(inputText)}`;
  const stop = new AbortController();
  // The stream's headers get as long as any answer; once it is open, it gets `abortMs` for a first event.
  let timer = setTimeout(() => stop.abort(), ANSWER_WITHIN_MS);
  try {
    return await timed(`${baseUrl}/trpc/${path}${search}`, { headers: { ...headers, accept: 'text/event-stream' }, signal: stop.signal }, async (response) => {
      clearTimeout(timer);
      timer = setTimeout(() => stop.abort(), abortMs);
      if (!response.headers.get('content-type')?.includes('text/event-stream')) return readJson(response);
      const { text, first } = await firstEvent(response, stop.signal);
      const data = first ? (parseJson(first.data) as { json?: unknown } | undefined) : undefined;
      return first?.event === 'serialized-error'
        ? { text, error: findError(data?.json ?? data), result: undefined }
        : { text, error: null, result: data?.json };
    });
  } finally {
    clearTimeout(timer);
    stop.abort();
  }
}

/** Reads an SSE body until its first event that is not `connected` or a ping, or its end, or `stopped`. */
async function firstEvent(response: Response, stopped: AbortSignal) {
  let first: { event: string; data: string } | null = null;
  const parser = createParser({
    onEvent(event) {
      if (!first && event.event !== 'connected' && event.event !== 'ping') first = { event: event.event ?? 'message', data: event.data };
    },
  });
  let text = '';
  try {
    const decoder = new TextDecoder();
    for await (const chunk of response.body ?? []) {
      const piece = decoder.decode(chunk as Uint8Array, { stream: true });
      text += piece;
      parser.feed(piece);
      if (first) break;
    }
  } catch (error) {
    // Stopped after a quiet wait: the stream was open and sent nothing yet, which is an answer too.
    if (!stopped.aborted) throw error;
  }
  return { text, first: first as { event: string; data: string } | null };
}

/** A download, read to its end; a body cut short by the server is a failure. */
export function download(url: string, headers: Record<string, string>) {
  return timed(url, { headers }, async (response) => {
    const text = await response.text();
    const body = response.headers.get('content-type')?.includes('application/json') && response.status >= 400 ? parseJson(text) : undefined;
    const message = (body as { error?: unknown } | undefined)?.error;
    return { text, error: typeof message === 'string' ? { message, data: { httpStatus: response.status } } : null, result: undefined };
  });
}

/** Any other request, for the transport itself (methods, content types, bodies that are not JSON). */
export function raw(url: string, init: RequestInit) {
  return timed(url, init, readJson);
}
