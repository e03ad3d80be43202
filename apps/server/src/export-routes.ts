import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import {
  assertCanReadExecution,
  assertScope,
  createContext,
  dateSchema,
  executionListScope,
  findUnstorableText,
  idSchema,
  unauthorized,
  viewerOf,
  type AppServices,
} from '@aae/api';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { InvalidCursorError, type ExecutionRecord, type ListExecutionsOptions, type Viewer } from '@aae/db';
import { describeIssues, EXECUTION_SORTS, eventTypeSchema, executionStatusSchema, type StoredEvent } from '@aae/events';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { clientAddress, requestHeaders, watchTokenInUrl, type TrustProxy } from './request-identity.ts';

/**
 * Downloads by URL, with the same identity and rules as the API (a session cookie, a bearer token
 * with `executions:read`, or for one execution's events a watch token, also as `?token=`):
 *   GET /api/executions/:id/events.{json,ndjson,csv}    one execution's events (owner or admin)
 *   GET /api/executions.{json,ndjson,csv}?filters        executions, filtered as in executions.list
 *   GET /api/events.{json,ndjson,csv}?filters&type=      the events of those executions
 * Rows are read from the database a page at a time and written as they come: nothing is built
 * in memory, and a slow client slows the reading (back-pressure).
 */
const FORMATS = { json: 'application/json', ndjson: 'application/x-ndjson', csv: 'text/csv' } as const;
type Format = keyof typeof FORMATS;
export const EXPORT_FORMATS = Object.keys(FORMATS) as Format[];

/** Every download URL: one execution's events, and the filtered history as executions or as their events. */
export const EXPORT_ROUTES = {
  executionEvents: /^\/api\/executions\/(\d+)\/events\.(json|ndjson|csv)$/,
  executions: /^\/api\/executions\.(json|ndjson|csv)$/,
  events: /^\/api\/events\.(json|ndjson|csv)$/,
} as const;

const PAGE = 500;

const filtersSchema = z
  .object({
    assistantName: z.string().trim().max(200).optional(),
    userName: z.string().trim().max(200).optional(),
    status: executionStatusSchema.optional(),
    from: z.coerce.date().pipe(dateSchema).optional(),
    to: z.coerce.date().pipe(dateSchema).optional(),
    eventType: eventTypeSchema.optional(),
    sort: z.enum(EXECUTION_SORTS).default('createdAt'),
    order: z.enum(['asc', 'desc']).default('desc'),
    type: eventTypeSchema.optional(),
    // A watch token (one execution's events only) may arrive here; it is read before the filters.
    token: z.string().optional(),
  })
  .strict();

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const EVENT_COLUMNS = ['id', 'execution_id', 'sequence', 'event_type', 'created_at', 'event_id', 'event_data'];
const EXECUTION_COLUMNS = ['id', 'assistant', 'user', 'status', 'created_at', 'started_at', 'finished_at', 'duration_ms', 'total_tokens', 'error', 'input'];

function eventRecord(event: StoredEvent) {
  return {
    id: event.id,
    executionId: event.executionId,
    sequence: event.sequence,
    eventType: event.eventType,
    createdAt: event.createdAt.toISOString(),
    eventData: event.eventData,
  };
}

function eventCsvRow(event: StoredEvent): unknown[] {
  return [
    event.id,
    event.executionId,
    event.sequence,
    event.eventType,
    event.createdAt.toISOString(),
    event.eventData.eventId,
    JSON.stringify(event.eventData),
  ];
}

function executionRecord(execution: ExecutionRecord) {
  return {
    id: execution.id,
    assistant: execution.assistantName,
    user: execution.userName,
    status: execution.status,
    createdAt: execution.createdAt.toISOString(),
    startedAt: execution.startedAt?.toISOString() ?? null,
    finishedAt: execution.finishedAt?.toISOString() ?? null,
    durationMs: execution.startedAt && execution.finishedAt ? execution.finishedAt.getTime() - execution.startedAt.getTime() : null,
    totalTokens: execution.totalTokens,
    error: execution.error,
    input: execution.input,
  };
}

function executionCsvRow(execution: ExecutionRecord): unknown[] {
  const record = executionRecord(execution);
  return [
    record.id,
    record.assistant,
    record.user,
    record.status,
    record.createdAt,
    record.startedAt,
    record.finishedAt,
    record.durationMs,
    record.totalTokens,
    record.error,
    JSON.stringify(record.input),
  ];
}

/** Writes rows in the chosen format as they arrive, waiting whenever the client falls behind. */
async function writeRows<T>(
  res: ServerResponse,
  format: Format,
  columns: string[],
  rows: AsyncIterable<T>,
  toRecord: (row: T) => unknown,
  toCsv: (row: T) => unknown[],
) {
  // Waits for a slow client to catch up, or gives up when it has gone (no drain ever comes then).
  const write = async (chunk: string) => {
    if (res.write(chunk) || res.destroyed) return;
    const gone = new AbortController();
    await Promise.race([once(res, 'drain', { signal: gone.signal }), once(res, 'close', { signal: gone.signal })]).catch(() => {});
    gone.abort();
  };
  if (format === 'csv') await write(stringify([columns]));
  if (format === 'json') await write('[');
  let first = true;
  for await (const row of rows) {
    if (res.destroyed) return;
    // Cells a spreadsheet would run as a formula (=, +, -, @, tab, CR first) are prefixed with ' (OWASP).
    if (format === 'csv') await write(stringify([toCsv(row)], { escape_formulas: true }));
    else if (format === 'ndjson') await write(`${JSON.stringify(toRecord(row))}\n`);
    else {
      await write(`${first ? '\n' : ',\n'}${JSON.stringify(toRecord(row))}`);
      first = false;
    }
  }
  if (format === 'json') await write('\n]\n');
  res.end();
}

async function* executionEvents(services: AppServices, executionId: number, type?: StoredEvent['eventType']): AsyncIterable<StoredEvent> {
  let after = 0;
  for (;;) {
    const page = await services.events.listEvents(executionId, { afterSequence: after, limit: PAGE, type });
    yield* page;
    if (page.length < PAGE) return;
    after = page.at(-1)!.sequence;
  }
}

/** Reads the first item of `source` now (so its errors come before any header), then the rest as it is iterated. */
async function startedIterable<T>(source: AsyncIterable<T>): Promise<AsyncIterable<T>> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  return {
    async *[Symbol.asyncIterator]() {
      if (!first.done) yield first.value;
      yield* { [Symbol.asyncIterator]: () => iterator };
    },
  };
}

/** The executions the filters match, a page at a time, read by `list` (with or without inputs). */
async function* matchingExecutions<T>(
  list: (options: ListExecutionsOptions) => Promise<{ items: T[]; nextCursor: string | null }>,
  viewer: Viewer,
  { userName, ...filters }: z.infer<typeof filtersSchema>,
): AsyncIterable<T> {
  let cursor: string | undefined;
  do {
    const page = await list({
      ...filters,
      ...executionListScope(viewer, { userName }),
      assistantName: filters.assistantName || undefined,
      cursor,
      limit: 100,
    });
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

async function* eventsOf(services: AppServices, executions: AsyncIterable<{ id: number }>, type?: StoredEvent['eventType']) {
  for await (const execution of executions) yield* executionEvents(services, execution.id, type);
}

function parseFilters(url: URL) {
  const raw = Object.fromEntries([...url.searchParams.entries()].filter(([, value]) => value !== ''));
  const result = filtersSchema.safeParse(raw);
  if (!result.success) {
    const problems = describeIssues(result.error, 'query');
    throw new HttpError(400, `Invalid export filters: ${problems}`);
  }
  if (result.data.from && result.data.to && result.data.from >= result.data.to) throw new HttpError(400, 'Invalid export filters: from must be before to');
  return result.data;
}

/** Handles an `/api/…` export request; returns false when the path is not an export. */
export async function handleExport(
  services: AppServices,
  req: IncomingMessage,
  res: ServerResponse,
  trustProxy: TrustProxy,
  allowedOrigins?: readonly string[],
): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const one = EXPORT_ROUTES.executionEvents.exec(url.pathname);
  const history = EXPORT_ROUTES.executions.exec(url.pathname);
  const events = EXPORT_ROUTES.events.exec(url.pathname);
  if (!one && !history && !events) return false;
  try {
    if (req.method !== 'GET') throw new HttpError(405, 'Exports are downloaded with GET');
    // The API's one rule for text, on the query's names and values.
    const unstorable = findUnstorableText(Object.fromEntries(url.searchParams.entries()));
    if (unstorable) throw new HttpError(400, `Invalid export filters: ${unstorable.path}: ${unstorable.problem}`);
    const ipAddress = clientAddress(req, trustProxy);
    const context = await createContext(services, {
      headers: requestHeaders(req, ipAddress),
      token: watchTokenInUrl(url.searchParams.get('token')),
      ipAddress,
      ...(allowedOrigins ? { allowedOrigins } : {}),
    });
    if (!context.identity) throw unauthorized(context.authProblem);
    const identity = context.identity;
    assertScope(identity, 'executions:read', { watch: Boolean(one) });
    const format = (one?.[2] ?? history?.[1] ?? events?.[1]) as Format;
    const startResponse = (filename: string) =>
      res.writeHead(200, {
        'content-type': `${FORMATS[format]}; charset=utf-8`,
        'content-disposition': `attachment; filename="${filename}"`,
        'cache-control': 'no-store',
      });

    if (one) {
      const executionId = Number(one[1]);
      // Not an id the database could hold: no such execution (rather than a failed query).
      if (!idSchema.safeParse(executionId).success) throw new HttpError(404, `Execution ${one[1]} does not exist`);
      await assertCanReadExecution(services, identity, executionId);
      const type = url.searchParams.get('type');
      const parsedType = type ? eventTypeSchema.safeParse(type) : null;
      if (parsedType && !parsedType.success) throw new HttpError(400, `Invalid export filters: type: "${type}" is not an event type`);
      startResponse(`execution-${executionId}-events.${format}`);
      await writeRows(res, format, EVENT_COLUMNS, executionEvents(services, executionId, parsedType?.data), eventRecord, eventCsvRow);
      return true;
    }

    const { token: _token, ...filters } = parseFilters(url);
    // The first page is read before the headers go out, so a bad filter is still a clean 400.
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
    if (history) {
      const rows = await startedIterable(matchingExecutions((options) => services.executions.listWithInput(options), viewerOf(identity), filters));
      startResponse(`executions-${stamp}.${format}`);
      await writeRows(res, format, EXECUTION_COLUMNS, rows, executionRecord, executionCsvRow);
    } else {
      const rows = await startedIterable(matchingExecutions((options) => services.executions.list(options), viewerOf(identity), filters));
      startResponse(`events-${stamp}.${format}`);
      await writeRows(res, format, EVENT_COLUMNS, eventsOf(services, rows, filters.type), eventRecord, eventCsvRow);
    }
    return true;
  } catch (error) {
    const status =
      error instanceof HttpError
        ? error.status
        : error instanceof TRPCError
          ? getHTTPStatusCodeFromError(error)
          : error instanceof InvalidCursorError
            ? 400
            : 500;
    if (status === 500) console.error('[export]', error);
    if (!res.headersSent) {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: status === 500 ? 'The export failed; the server log has details' : (error as Error).message }));
    } else {
      // Mid-stream: cut the response so the client sees an incomplete download, not a short file.
      res.destroy(error as Error);
    }
    return true;
  }
}
