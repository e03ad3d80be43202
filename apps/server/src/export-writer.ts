import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ExecutionRecord, ExportedEvent } from '@aae/db';
import { stringify } from 'csv-stringify';

const CONTENT_TYPES = { json: 'application/json', ndjson: 'application/x-ndjson', csv: 'text/csv' } as const;
export type ExportFormat = keyof typeof CONTENT_TYPES;
export const EXPORT_FORMATS = Object.keys(CONTENT_TYPES) as ExportFormat[];

/** How one kind of row is exported: as an object (JSON, NDJSON), and which of its fields CSV has. */
export interface ExportShape<T> {
  record(row: T): object;
  /** The record as JSON text, when the row can make it more cheaply than `JSON.stringify(record(row))`. */
  json?(row: T): string;
  /** The CSV columns, in order: a field of the record (dotted for a nested one) and its header. */
  columns: Record<string, string>;
}

/**
 * An event as `events.list` returns it. Its stored JSON text is written as it is, not parsed and
 * written again: the same data, though its spacing and key order are the database's.
 */
export const EVENT_SHAPE: ExportShape<ExportedEvent> = {
  record: ({ id, executionId, sequence, eventType, createdAt, eventId, eventDataJson }) => ({
    id,
    executionId,
    sequence,
    eventType,
    createdAt: createdAt.toISOString(),
    eventId,
    eventData: eventDataJson,
  }),
  json: ({ id, executionId, sequence, eventType, createdAt, eventDataJson }) =>
    `{"id":${id},"executionId":${executionId},"sequence":${sequence},"eventType":"${eventType}","createdAt":"${createdAt.toISOString()}","eventData":${eventDataJson}}`,
  columns: {
    id: 'id',
    executionId: 'execution_id',
    sequence: 'sequence',
    eventType: 'event_type',
    createdAt: 'created_at',
    eventId: 'event_id',
    eventData: 'event_data',
  },
};

const iso = (date: Date | null) => date?.toISOString() ?? null;

export const EXECUTION_SHAPE: ExportShape<ExecutionRecord> = {
  record: (execution) => ({
    id: execution.id,
    assistant: execution.assistantName,
    user: execution.userName,
    status: execution.status,
    createdAt: execution.createdAt.toISOString(),
    startedAt: iso(execution.startedAt),
    finishedAt: iso(execution.finishedAt),
    durationMs: execution.startedAt && execution.finishedAt ? execution.finishedAt.getTime() - execution.startedAt.getTime() : null,
    totalTokens: execution.totalTokens,
    error: execution.error,
    input: execution.input,
  }),
  columns: {
    id: 'id',
    assistant: 'assistant',
    user: 'user',
    status: 'status',
    createdAt: 'created_at',
    startedAt: 'started_at',
    finishedAt: 'finished_at',
    durationMs: 'duration_ms',
    totalTokens: 'total_tokens',
    error: 'error',
    input: 'input',
  },
};

/** Bytes gathered before a write: one socket write per row would cost more than the row. */
const WRITE_SIZE = 64 * 1024;

/** `parts` joined into writes of about `WRITE_SIZE`, in order; the last one as soon as the parts end. */
async function* gathered(parts: AsyncIterable<string>) {
  let pending = '';
  for await (const part of parts) {
    pending += part;
    if (pending.length >= WRITE_SIZE) {
      yield pending;
      pending = '';
    }
  }
  if (pending !== '') yield pending;
}

async function* ndjson(lines: AsyncIterable<string>) {
  for await (const line of lines) yield `${line}\n`;
}

async function* jsonArray(lines: AsyncIterable<string>) {
  yield '[';
  let separator = '\n';
  for await (const line of lines) {
    yield `${separator}${line}`;
    separator = ',\n';
  }
  yield '\n]\n';
}

async function* recordsOf<T>(rows: AsyncIterable<T>, shape: ExportShape<T>) {
  for await (const row of rows) yield shape.record(row);
}

async function* jsonOf<T>(rows: AsyncIterable<T>, shape: ExportShape<T>) {
  const json = shape.json ?? ((row: T) => JSON.stringify(shape.record(row)));
  for await (const row of rows) yield json(row);
}

/**
 * Answers 200 with `rows` as a download in `format`, written as they are read: a slow client slows
 * the reading, and one that goes away stops it (the source is returned). Rejects if the source
 * fails or the client goes; the response is cut then.
 */
export async function writeExport<T>(
  res: ServerResponse,
  format: ExportFormat,
  filename: string,
  shape: ExportShape<T>,
  rows: AsyncIterable<T>,
): Promise<void> {
  res.writeHead(200, {
    'content-type': `${CONTENT_TYPES[format]}; charset=utf-8`,
    'content-disposition': `attachment; filename="${filename}"`,
    'cache-control': 'no-store',
  });
  if (format === 'csv') {
    // Objects and arrays in a cell are written as JSON; cells a spreadsheet would run as a formula
    // (=, +, -, @, tab, CR first) are prefixed with ' (OWASP).
    await pipeline(Readable.from(recordsOf(rows, shape)), stringify({ header: true, columns: shape.columns, escape_formulas: true }), res);
  } else {
    const lines = jsonOf(rows, shape);
    // `pipeline` waits for 'drain' when the socket is full, and stops the source when the client goes.
    await pipeline(Readable.from(gathered(format === 'json' ? jsonArray(lines) : ndjson(lines))), res);
  }
}
