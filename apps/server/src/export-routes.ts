import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  assertCanReadExecution,
  assertScope,
  createContext,
  dateSchema,
  domainError,
  executionListScope,
  findUnstorableText,
  idSchema,
  unauthorized,
  viewerOf,
} from '@aae/api';
import type { Identity } from '@aae/auth';
import type { AppServices } from '@aae/runtime';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { readAfter, readByCursor, type ExecutionRecord, type ExportPlace, type Viewer } from '@aae/db';
import { describeIssues, EXECUTION_SORTS, eventTypeSchema, executionStatusSchema, type StoredEvent } from '@aae/events';
import { z } from 'zod';
import { EVENT_SHAPE, EXECUTION_SHAPE, writeExport, type ExportFormat } from './export-writer.ts';
import { clientAddress, requestHeaders, watchTokenInUrl, type TrustProxy } from './request-identity.ts';

export { EXPORT_FORMATS } from './export-writer.ts';

/**
 * Downloads by URL, with the same identity and rules as the API (a session cookie, a bearer token
 * with `executions:read`, or for one execution's events a watch token, also as `?token=`):
 *   GET /api/executions/:id/events.{json,ndjson,csv}    one execution's events (owner or admin)
 *   GET /api/executions.{json,ndjson,csv}?filters        executions, filtered as in executions.list
 *   GET /api/events.{json,ndjson,csv}?filters&type=      the events of those executions
 * Rows are read from the database a chunk at a time (events: thousands per statement, walking the
 * `(execution_id, sequence)` index, not a query per execution) and written as they come: nothing
 * is built in memory, and a slow client slows the reading (back-pressure).
 */
export const EXPORT_ROUTES = {
  executionEvents: /^\/api\/executions\/(\d+)\/events\.(json|ndjson|csv)$/,
  executions: /^\/api\/executions\.(json|ndjson|csv)$/,
  events: /^\/api\/events\.(json|ndjson|csv)$/,
} as const;

/** Events read per statement: few statements per export, none holding a connection for long (PGlite has one). */
const EVENT_CHUNK = 5_000;
/** Executions whose events one run of chunks reads. */
const EXECUTION_PAGE = 1_000;

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

type ExportRoute = { kind: 'executionEvents'; executionId: string; format: ExportFormat } | { kind: 'executions' | 'events'; format: ExportFormat };

function matchRoute(pathname: string): ExportRoute | null {
  const one = EXPORT_ROUTES.executionEvents.exec(pathname);
  if (one) return { kind: 'executionEvents', executionId: one[1] as string, format: one[2] as ExportFormat };
  const history = EXPORT_ROUTES.executions.exec(pathname);
  if (history) return { kind: 'executions', format: history[1] as ExportFormat };
  const events = EXPORT_ROUTES.events.exec(pathname);
  return events ? { kind: 'events', format: events[1] as ExportFormat } : null;
}

/** The caller, with the API's identity and rules (a watch token only for one execution's events). */
async function authorise(
  services: AppServices,
  req: IncomingMessage,
  url: URL,
  route: ExportRoute,
  trustProxy: TrustProxy,
  allowedOrigins?: readonly string[],
) {
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
  assertScope(context.identity, 'executions:read', { watch: route.kind === 'executionEvents' });
  return context.identity;
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

/** The events of each page of executions, in the pages' order, read in chunks of `EVENT_CHUNK`. */
async function* eventsOf(
  services: AppServices,
  executionPages: AsyncIterable<readonly number[]> | Iterable<readonly number[]>,
  type?: StoredEvent['eventType'],
) {
  for await (const executionIds of executionPages) {
    if (executionIds.length === 0) continue;
    yield* readAfter((after: ExportPlace, limit) => services.events.exportChunk(executionIds, { after, limit, type }), {
      after: { position: 0, sequence: 0 },
      limit: EVENT_CHUNK,
      keyOf: ({ position, sequence }) => ({ position, sequence }),
    });
  }
}

type Filters = Omit<z.infer<typeof filtersSchema>, 'token'>;

/** The list's options for `filters` as `viewer` may see them. */
function listOptions(viewer: Viewer, { userName, type: _type, ...filters }: Filters, limit: number) {
  return { ...filters, ...executionListScope(viewer, { userName }), assistantName: filters.assistantName || undefined, limit };
}

/** The executions the filters match with their inputs, a page at a time. */
function matchingExecutions(services: AppServices, viewer: Viewer, filters: Filters): AsyncGenerator<ExecutionRecord> {
  return readByCursor((cursor: string | undefined) => services.executions.listWithInput({ ...listOptions(viewer, filters, 100), cursor }));
}

/** The ids of the executions the filters match, in pages of `EXECUTION_PAGE`. */
async function* matchingExecutionIds(services: AppServices, viewer: Viewer, filters: Filters): AsyncGenerator<number[]> {
  let cursor: string | undefined;
  do {
    const page = await services.executions.listIds({ ...listOptions(viewer, filters, EXECUTION_PAGE), cursor });
    yield page.ids;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
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

/** Checks the request against what it asks for, then writes the download. */
async function sendExport(services: AppServices, res: ServerResponse, url: URL, route: ExportRoute, identity: Identity): Promise<void> {
  const { format } = route;
  if (route.kind === 'executionEvents') {
    const executionId = Number(route.executionId);
    // Not an id the database could hold: no such execution (rather than a failed query).
    if (!idSchema.safeParse(executionId).success) throw new HttpError(404, `Execution ${route.executionId} does not exist`);
    await assertCanReadExecution(services, identity, executionId);
    const type = url.searchParams.get('type');
    const parsedType = type ? eventTypeSchema.safeParse(type) : null;
    if (parsedType && !parsedType.success) throw new HttpError(400, `Invalid export filters: type: "${type}" is not an event type`);
    const events = eventsOf(services, [[executionId]], parsedType?.data);
    await writeExport(res, format, `execution-${executionId}-events.${format}`, EVENT_SHAPE, events);
    return;
  }
  const { token: _token, ...filters } = parseFilters(url);
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  // The first page is read before the headers go out, so a bad filter is still a clean 400.
  if (route.kind === 'executions') {
    const rows = await startedIterable(matchingExecutions(services, viewerOf(identity), filters));
    await writeExport(res, format, `executions-${stamp}.${format}`, EXECUTION_SHAPE, rows);
  } else {
    const pages = await startedIterable(matchingExecutionIds(services, viewerOf(identity), filters));
    await writeExport(res, format, `events-${stamp}.${format}`, EVENT_SHAPE, eventsOf(services, pages, filters.type));
  }
}

/** A JSON error before the download starts; once it has started, the response is cut, so the client sees an incomplete download, not a short file. */
function sendError(res: ServerResponse, error: unknown) {
  // The client went away mid-download (premature close, reset, broken pipe): nothing to answer, nothing to log.
  if (res.destroyed || (error instanceof Error && 'code' in error && error.code === 'ERR_STREAM_PREMATURE_CLOSE')) return;
  // The API's answer to a domain error, or one of this route's own.
  const known = error instanceof HttpError ? error : domainError(error);
  const status = known instanceof HttpError ? known.status : known ? getHTTPStatusCodeFromError(known) : 500;
  if (status === 500) console.error('[export]', error);
  if (!res.headersSent) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: known && status !== 500 ? known.message : 'The export failed; the server log has details' }));
  } else {
    res.destroy(error instanceof Error ? error : undefined);
  }
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
  const route = matchRoute(url.pathname);
  if (!route) return false;
  try {
    const identity = await authorise(services, req, url, route, trustProxy, allowedOrigins);
    await sendExport(services, res, url, route, identity);
  } catch (error) {
    sendError(res, error);
  }
  return true;
}
