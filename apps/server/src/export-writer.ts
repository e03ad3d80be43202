import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ExecutionRecord } from '@aae/db';
import type { StoredEvent } from '@aae/events';
import { stringify } from 'csv-stringify';

const CONTENT_TYPES = { json: 'application/json', ndjson: 'application/x-ndjson', csv: 'text/csv' } as const;
export type ExportFormat = keyof typeof CONTENT_TYPES;
export const EXPORT_FORMATS = Object.keys(CONTENT_TYPES) as ExportFormat[];

/** How one kind of row is exported: as an object (JSON, NDJSON), and which of its fields CSV has. */
export interface ExportShape<T> {
  record(row: T): object;
  /** The CSV columns, in order: a field of the record (dotted for a nested one) and its header. */
  columns: Record<string, string>;
}

export const EVENT_SHAPE: ExportShape<StoredEvent> = {
  record: ({ id, executionId, sequence, eventType, createdAt, eventData }) => ({
    id,
    executionId,
    sequence,
    eventType,
    createdAt: createdAt.toISOString(),
    eventData,
  }),
  columns: {
    id: 'id',
    executionId: 'execution_id',
    sequence: 'sequence',
    eventType: 'event_type',
    createdAt: 'created_at',
    'eventData.eventId': 'event_id',
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

async function* ndjson(records: AsyncIterable<object>) {
  for await (const record of records) yield `${JSON.stringify(record)}\n`;
}

async function* jsonArray(records: AsyncIterable<object>) {
  yield '[';
  let separator = '\n';
  for await (const record of records) {
    yield `${separator}${JSON.stringify(record)}`;
    separator = ',\n';
  }
  yield '\n]\n';
}

async function* recordsOf<T>(rows: AsyncIterable<T>, shape: ExportShape<T>) {
  for await (const row of rows) yield shape.record(row);
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
  const records = recordsOf(rows, shape);
  if (format === 'csv') {
    // Objects and arrays in a cell are written as JSON; cells a spreadsheet would run as a formula
    // (=, +, -, @, tab, CR first) are prefixed with ' (OWASP).
    await pipeline(Readable.from(records), stringify({ header: true, columns: shape.columns, escape_formulas: true }), res);
  } else {
    await pipeline(Readable.from(format === 'json' ? jsonArray(records) : ndjson(records)), res);
  }
}
