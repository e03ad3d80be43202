import { eventTypeSchema, parseStoredEvent, TERMINAL_EVENT_TYPES, type EventType, type StoredEvent, type StoredEventOf } from '@aae/events';
import { Prisma, type PrismaClient } from './generated/prisma/client.ts';
import type { RawQuery } from './client.ts';
import { fromPrismaEventType, toPrismaEventType } from './event-type-mapping.ts';

/**
 * An event ready to be written: stamped by the recorder, not yet given a row id. `createdAtUs` is
 * the time to store, in microseconds since the epoch (`createdAt` is it truncated to the
 * millisecond); without it `createdAt` is stored.
 */
export type PendingEvent = Omit<StoredEvent, 'id'> & {
  createdAtUs?: number;
  /**
   * The worker's claim on the execution it runs: the event is stored only while that claim holds
   * (a worker that lost its execution to another, which resumed it, is fenced off).
   */
  claim?: number;
  /**
   * `eventData` as JSON, made by the recorder as it stamps the event: while one batch is in
   * flight the next one's payloads are serialized, not after it returns.
   */
  eventDataJson?: string;
};

/** A stored time with all six fractional digits, exactly (a `Date` has three). */
export function formatMicroseconds(us: number): string {
  const milliseconds = Math.floor(us / 1000);
  return `${new Date(milliseconds).toISOString().slice(0, -1)}${String(us - milliseconds * 1000).padStart(3, '0')}Z`;
}

/**
 * What a batch write did: the events now stored (with their row ids), and those the database
 * will never take, with why (their execution was closed by another process meanwhile).
 */
export interface InsertResult {
  stored: StoredEvent[];
  refused: Array<{ event: PendingEvent; reason: string }>;
}

const eventSelect = {
  id: true,
  executionId: true,
  sequence: true,
  eventType: true,
  eventData: true,
  createdAt: true,
} satisfies Prisma.AssistantArchitectEventSelect;

type EventRow = Prisma.AssistantArchitectEventGetPayload<{ select: typeof eventSelect }>;

function toStoredEvent(row: EventRow): StoredEvent {
  return parseStoredEvent({
    ...row,
    id: Number(row.id),
    eventType: fromPrismaEventType(row.eventType),
  });
}

const eventKey = (executionId: number, sequence: number) => `${executionId}:${sequence}`;

/**
 * One statement over parallel arrays, whose size does not grow with the batch: about five times
 * cheaper per row than Prisma's createManyAndReturn (see BENCHMARKS.md). An execution another
 * process has closed as interrupted, or another worker has claimed since, takes no more events.
 * A row already present (a retry after a lost acknowledgement) fails the whole statement with a
 * unique violation: the store then writes the batch again with `INSERT_EVENTS_SKIPPING_PRESENT_SQL`.
 * Leaving out `ON CONFLICT` on the first try spares each row a speculative insertion (about a
 * tenth of the statement's time, BENCHMARKS.md §1).
 */
export const INSERT_EVENTS_SQL = `WITH owner AS MATERIALIZED (
  -- Each execution of the batch locked once, not once per event. Waits for a process closing it
  -- as interrupted or claiming it (each holds FOR UPDATE), then sees its orphaned_at or new claim:
  -- nothing lands from a fenced-off worker.
  SELECT id, claims FROM executions
  WHERE id IN (SELECT unnest($1::int[])) AND orphaned_at IS NULL
  FOR KEY SHARE
)
INSERT INTO assistant_architect_events (execution_id, sequence, event_type, event_data, created_at)
SELECT row.execution_id, row.sequence, row.event_type::assistant_event_type, row.event_data::jsonb, row.created_at::timestamptz
FROM unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::text[], $6::int[])
  WITH ORDINALITY AS row(execution_id, sequence, event_type, event_data, created_at, claim, position)
JOIN owner ON owner.id = row.execution_id
WHERE row.claim IS NULL OR row.claim = owner.claims
-- Row ids follow the batch's order, which is each execution's emission order.
ORDER BY row.position
RETURNING id, execution_id, sequence`;

/** `INSERT_EVENTS_SQL` that skips rows already present; safe inside a transaction, and for a batch written again. */
export const INSERT_EVENTS_SKIPPING_PRESENT_SQL = INSERT_EVENTS_SQL.replace(
  'RETURNING id, execution_id, sequence',
  'ON CONFLICT (execution_id, sequence) DO NOTHING\nRETURNING id, execution_id, sequence',
);

/** PostgreSQL's unique_violation, from `pg` and PGlite alike. */
const isUniqueViolation = (error: unknown) => typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';

/** The parameters of `INSERT_EVENTS_SQL` for a batch, one array per column, in one pass. */
export function insertEventsParams(events: readonly PendingEvent[]): unknown[][] {
  const count = events.length;
  const executionIds = new Array<number>(count);
  const sequences = new Array<number>(count);
  const types = new Array<string>(count);
  const payloads = new Array<string>(count);
  const times = new Array<string>(count);
  const claims = new Array<number | null>(count);
  for (let index = 0; index < count; index++) {
    const event = events[index]!;
    executionIds[index] = event.executionId;
    sequences[index] = event.sequence;
    types[index] = event.eventType;
    payloads[index] = event.eventDataJson ?? JSON.stringify(event.eventData);
    times[index] = formatMicroseconds(event.createdAtUs ?? event.createdAt.getTime() * 1000);
    claims[index] = event.claim ?? null;
  }
  return [executionIds, sequences, types, payloads, times, claims];
}

/** `id` is a bigint: a string from `pg`, a bigint from Prisma or PGlite. */
type InsertedRow = { id: bigint | string; execution_id: number; sequence: number };

/**
 * The batch as one statement of its own (the driver runs it outside any transaction), so a unique
 * violation only undoes it: then the batch is written again, skipping the rows already present.
 */
async function insertDirect(query: RawQuery, params: unknown[][]): Promise<InsertedRow[]> {
  try {
    return await query<InsertedRow>(INSERT_EVENTS_SQL, params);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return await query<InsertedRow>(INSERT_EVENTS_SKIPPING_PRESENT_SQL, params);
  }
}

/**
 * Accounts for the events of a batch that its insert did not return. An event found in its place
 * (same type and timestamp) was written by an earlier attempt whose acknowledgement was lost: it
 * counts as stored, with its row id, so a retried batch is not reported lost. Every other one is
 * refused with why: its execution is gone or was closed as interrupted by another process, or its
 * place holds another event.
 */
async function reconcileMissingEvents(
  prisma: Pick<PrismaClient, '$queryRaw'>,
  missing: readonly PendingEvent[],
): Promise<{ alreadyStored: Map<string, number>; refused: InsertResult['refused'] }> {
  const alreadyStored = new Map<string, number>();
  const refused: InsertResult['refused'] = [];
  if (missing.length === 0) return { alreadyStored, refused };
  const existing = await prisma.$queryRaw<Array<{ id: bigint; execution_id: number; sequence: number; event_type: string; timestamp: string }>>`
    SELECT stored.id, stored.execution_id, stored.sequence, stored.event_type::text AS event_type, stored.event_data->>'timestamp' AS timestamp
    FROM assistant_architect_events stored
    JOIN unnest(${missing.map((event) => event.executionId)}::int[], ${missing.map((event) => event.sequence)}::int[])
      AS wanted(execution_id, sequence)
      ON stored.execution_id = wanted.execution_id AND stored.sequence = wanted.sequence`;
  const found = new Map(existing.map((row) => [eventKey(row.execution_id, row.sequence), row]));
  const owners = new Map(
    (
      await prisma.$queryRaw<Array<{ id: number; orphaned: boolean; claims: number }>>`
        SELECT id, orphaned_at IS NOT NULL AS orphaned, claims FROM executions
        WHERE id = ANY(${[...new Set(missing.map((event) => event.executionId))]}::int[])`
    ).map((row) => [row.id, row]),
  );
  for (const event of missing) {
    const row = found.get(eventKey(event.executionId, event.sequence));
    if (row && row.event_type === event.eventType && row.timestamp === event.eventData.timestamp) {
      alreadyStored.set(eventKey(event.executionId, event.sequence), Number(row.id));
      continue;
    }
    const owner = owners.get(event.executionId);
    const reason =
      owner === undefined
        ? `execution ${event.executionId} no longer exists`
        : owner.orphaned
          ? `execution ${event.executionId} was closed as interrupted by another server process`
          : event.claim !== undefined && event.claim !== owner.claims
            ? `execution ${event.executionId} was taken over by another worker (claim ${owner.claims}, this one ${event.claim})`
            : row
              ? `sequence ${event.sequence} of execution ${event.executionId} already holds another event`
              : null;
    if (reason === null) throw new Error(`Event ${event.eventData.eventId} was not stored`);
    refused.push({ event, reason });
  }
  return { alreadyStored, refused };
}

export interface ListEventsOptions {
  type?: EventType | undefined;
  /** Only events after this place in the execution's sequence. */
  afterSequence?: number;
  limit?: number;
}

/**
 * A stored event as an export writes it: `eventData` is the stored JSON text, written as it is
 * (its content is what `listEvents` parses); `position` is its execution's place in the export.
 */
export interface ExportedEvent {
  id: number;
  executionId: number;
  sequence: number;
  eventType: EventType;
  createdAt: Date;
  eventId: string;
  eventDataJson: string;
  position: number;
}

/** Where a chunk of an export ends: its execution's place in the export, and the event's sequence. */
export interface ExportPlace {
  position: number;
  sequence: number;
}

export type EventStore = ReturnType<typeof createEventStore>;

export interface EventStoreOptions {
  /**
   * Sends `insertEvents`' statement straight to the driver (`Database.query`), without Prisma's
   * parameter and result mapping. Only for a store on the client: a store inside a transaction
   * must write through that transaction.
   */
  query?: RawQuery;
}

/** Works on the client or inside an interactive transaction. */
export function createEventStore(prisma: Pick<PrismaClient, 'assistantArchitectEvent' | '$queryRaw' | '$queryRawUnsafe'>, options: EventStoreOptions = {}) {
  async function listEvents(executionId: number, options: ListEventsOptions = {}): Promise<StoredEvent[]> {
    const rows = await prisma.assistantArchitectEvent.findMany({
      where: {
        executionId,
        ...(options.type ? { eventType: toPrismaEventType(options.type) } : {}),
        ...(options.afterSequence !== undefined ? { sequence: { gt: options.afterSequence } } : {}),
      },
      orderBy: { sequence: 'asc' },
      ...(options.limit !== undefined ? { take: options.limit } : {}),
      select: eventSelect,
    });
    return rows.map(toStoredEvent);
  }

  return {
    listEvents,

    /**
     * Events of every execution, for the admin feed: the latest `limit` (newest first), or with
     * `afterId` the next `limit` after that row id (oldest first), optionally of some types.
     */
    async listAcrossExecutions(options: { afterId?: number; types?: readonly EventType[]; limit: number }): Promise<StoredEvent[]> {
      const rows = await prisma.assistantArchitectEvent.findMany({
        where: {
          ...(options.afterId !== undefined ? { id: { gt: options.afterId } } : {}),
          ...(options.types && options.types.length > 0 ? { eventType: { in: options.types.map(toPrismaEventType) } } : {}),
        },
        orderBy: { id: options.afterId !== undefined ? 'asc' : 'desc' },
        take: options.limit,
        select: eventSelect,
      });
      return rows.map(toStoredEvent);
    },

    /**
     * A chunk of the events of `executionIds`, those executions in the order given and each one's
     * events in stored order, after `after`: one statement per chunk, which seeks each execution's
     * place in the `(execution_id, sequence)` index and holds no transaction between chunks.
     */
    async exportChunk(executionIds: readonly number[], options: { after: ExportPlace; limit: number; type?: EventType | undefined }): Promise<ExportedEvent[]> {
      const type = options.type ? Prisma.sql`AND ev.event_type = ${options.type}::assistant_event_type` : Prisma.empty;
      const rows = await prisma.$queryRaw<
        Array<{
          id: bigint;
          execution_id: number;
          sequence: number;
          event_type: string;
          created_at: Date;
          event_id: string;
          event_data: string;
          position: bigint;
        }>
      >`
        SELECT ev.id, ev.execution_id, ev.sequence, ev.event_type::text AS event_type, ev.created_at,
          ev.event_data->>'eventId' AS event_id, ev.event_data::text AS event_data, p.position
        FROM unnest(${executionIds}::int[]) WITH ORDINALITY AS p(execution_id, position)
        -- Per execution, a seek in the (execution_id, sequence) index past where the last chunk
        -- stopped, reading at most one chunk: a long execution is read once, not again per chunk.
        CROSS JOIN LATERAL (
          SELECT * FROM assistant_architect_events ev
          WHERE ev.execution_id = p.execution_id
            AND ev.sequence > CASE WHEN p.position = ${options.after.position}::bigint THEN ${options.after.sequence}::int ELSE 0 END ${type}
          ORDER BY ev.sequence
          LIMIT ${options.limit}
        ) ev
        WHERE p.position >= ${options.after.position}::bigint
        ORDER BY p.position, ev.sequence
        LIMIT ${options.limit}`;
      return rows.map((row) => ({
        id: Number(row.id),
        executionId: row.execution_id,
        sequence: row.sequence,
        eventType: eventTypeSchema.parse(row.event_type),
        createdAt: row.created_at,
        eventId: row.event_id,
        eventDataJson: row.event_data,
        position: Number(row.position),
      }));
    },

    /** Every event of an execution, in stored order. */
    getExecutionEvents(executionId: number): Promise<StoredEvent[]> {
      return listEvents(executionId);
    },

    /** The events of one type, narrowed to that type's payload. */
    async getExecutionEventsByType<T extends EventType>(executionId: number, type: T): Promise<StoredEventOf<T>[]> {
      // The query filtered on the type, and every row was parsed against the union.
      return (await listEvents(executionId, { type })) as StoredEventOf<T>[];
    },

    /** The sequence number of the execution's terminal event, if it has one. */
    async terminalSequence(executionId: number): Promise<number | null> {
      const row = await prisma.assistantArchitectEvent.findFirst({
        where: { executionId, eventType: { in: TERMINAL_EVENT_TYPES.map(toPrismaEventType) } },
        orderBy: { sequence: 'asc' },
        select: { sequence: true },
      });
      return row?.sequence ?? null;
    },

    /** The execution's last event: where a resumed recorder goes on from (its time in microseconds). */
    async lastEvent(executionId: number): Promise<{ sequence: number; eventType: EventType; createdAtUs: number } | null> {
      const [row] = await prisma.$queryRaw<Array<{ sequence: number; event_type: string; created_at_us: bigint }>>`
        SELECT sequence, event_type::text AS event_type, (EXTRACT(EPOCH FROM created_at) * 1000000)::bigint AS created_at_us
        FROM assistant_architect_events WHERE execution_id = ${executionId}
        ORDER BY sequence DESC LIMIT 1`;
      return row ? { sequence: row.sequence, eventType: eventTypeSchema.parse(row.event_type), createdAtUs: Number(row.created_at_us) } : null;
    },

    async lastSequence(executionId: number): Promise<number> {
      const result = await prisma.assistantArchitectEvent.aggregate({
        where: { executionId },
        _max: { sequence: true },
      });
      return result._max.sequence ?? 0;
    },

    /**
     * Writes a batch in one multi-row insert (`INSERT_EVENTS_SQL`). Rows already present (a retry
     * after a lost acknowledgement) are skipped, so a batch can be written again safely.
     */
    async insertEvents(events: readonly PendingEvent[]): Promise<InsertResult> {
      if (events.length === 0) return { stored: [], refused: [] };
      const params = insertEventsParams(events);
      const inserted = options.query
        ? await insertDirect(options.query, params)
        : // Maybe inside the caller's transaction, which a failed statement would abort: skip present rows in the statement.
          await prisma.$queryRawUnsafe<InsertedRow[]>(INSERT_EVENTS_SKIPPING_PRESENT_SQL, ...params);
      const ids = new Map(inserted.map((row) => [eventKey(row.execution_id, row.sequence), Number(row.id)]));
      const missing = events.filter((event) => !ids.has(eventKey(event.executionId, event.sequence)));
      const { alreadyStored, refused } = await reconcileMissingEvents(prisma, missing);
      for (const [key, id] of alreadyStored) ids.set(key, id);
      const stored: StoredEvent[] = [];
      for (const { eventType, eventData, executionId, sequence, createdAt } of events) {
        const id = ids.get(eventKey(executionId, sequence));
        if (id !== undefined) stored.push({ eventType, eventData, executionId, sequence, createdAt, id } as StoredEvent);
      }
      return { stored, refused };
    },
  };
}
