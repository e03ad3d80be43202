/**
 * The history pages at scale: on a generated history of a million events in a PostgreSQL 15
 * server, each analytics procedure (all time and the last 7 days) and the analytics page's seven
 * at once; `executions.list`'s first and tenth page with each filter and sort, as an admin and as
 * the member who ran a tenth of everything; and that member's export of their ~100k events through
 * the real HTTP route, against one raw SELECT written as NDJSON over the same kind of socket.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { User } from '@aae/db';
import { createTestDatabase, startPostgresCluster } from '@aae/db/testing';
import { startApp, type RunningApp } from '@aae/server';
import pg from 'pg';
import { envNumber } from './env-settings.ts';
import { generateHistory, type HistorySummary } from './history-data.ts';
import {
  ANALYTICS_PROCEDURES,
  callerFor,
  exportToken,
  listExecutions,
  MEMBER_EVENTS_EXPORT_PATH,
  type AnalyticsRange,
  type Caller,
  type ListInput,
} from './history-product-calls.ts';
import { describeMachine, resultToMarkdown, type BenchmarkResult, type ResultTable } from './report.ts';
import { formatNumber, formatRatio, median, percentile } from './stats.ts';
import { stopOnSignal } from './stop-on-signal.ts';

const EVENTS = envNumber('HISTORY_EVENTS', 1_000_000);
const SEED = envNumber('HISTORY_SEED', 1);
/** Measured calls per analytics procedure and range, and of the whole page. */
const REPETITIONS = envNumber('HISTORY_REPETITIONS', 5);
/** Walks of ten pages per list case. */
const LIST_REPETITIONS = envNumber('HISTORY_LIST_REPETITIONS', 3);
const EXPORT_REPETITIONS = envNumber('HISTORY_EXPORT_REPETITIONS', 3);
const PAGES = 10;
const PAGE_SIZE = 20;

const TARGET = { analyticsMs: 200, pageMs: 500, listMs: 50, exportRatio: 0.5 };

const timed = async <T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> => {
  const started = performance.now();
  const value = await run();
  return { ms: performance.now() - started, value };
};

const ms = (value: number) => formatNumber(value);
const met = (ok: boolean) => (ok ? 'met' : 'not met');

// ---------------------------------------------------------------- analytics

interface AnalyticsFigures {
  /** Per procedure and range ('all' | '7d'): ms of each call. */
  calls: Array<{ procedure: string; range: string; samples: number[] }>;
  /** All seven at once, per range. */
  page: Array<{ range: string; samples: number[] }>;
}

async function measureAnalytics(admin: Caller, ranges: Array<{ label: string; range: AnalyticsRange }>): Promise<AnalyticsFigures> {
  // Warm-up: compiles the code paths and reads the table into the cache as the first visit would.
  for (const procedure of ANALYTICS_PROCEDURES) await procedure.call(admin, {});
  const calls = ANALYTICS_PROCEDURES.flatMap((procedure) => ranges.map(({ label }) => ({ procedure: procedure.name, range: label, samples: [] as number[] })));
  const page = ranges.map(({ label }) => ({ range: label, samples: [] as number[] }));
  for (let repetition = 0; repetition < REPETITIONS; repetition++) {
    for (const procedure of ANALYTICS_PROCEDURES) {
      for (const { label, range } of ranges) {
        const { ms: took } = await timed(() => procedure.call(admin, range));
        calls.find((entry) => entry.procedure === procedure.name && entry.range === label)!.samples.push(took);
      }
    }
    for (const { label, range } of ranges) {
      const { ms: took } = await timed(() => Promise.all(ANALYTICS_PROCEDURES.map((procedure) => procedure.call(admin, range))));
      page.find((entry) => entry.range === label)!.samples.push(took);
    }
  }
  return { calls, page };
}

function analyticsTable(figures: AnalyticsFigures): ResultTable {
  const row = (what: string, range: string, samples: number[], target: number) => [
    what,
    range,
    ms(median(samples)),
    ms(percentile(samples, 95)),
    `≤ ${target}`,
    met(median(samples) <= target),
  ];
  return {
    caption: `Analytics as an admin, through the tRPC procedures (ms; median and p95 of ${REPETITIONS} calls each, one at a time; the page: all seven at once)`,
    columns: ['procedure', 'range', 'median', 'p95', 'target', ''],
    rows: [
      ...figures.calls.map((entry) => row(`\`analytics.${entry.procedure}\``, entry.range, entry.samples, TARGET.analyticsMs)),
      ...figures.page.map((entry) => row('the analytics page: all seven at once', entry.range, entry.samples, TARGET.pageMs)),
    ],
  };
}

// ---------------------------------------------------------------- the executions list

interface ListCase {
  viewer: 'admin' | 'member';
  label: string;
  input: Omit<ListInput, 'cursor' | 'limit'>;
}

interface ListFigures extends ListCase {
  firstMs: number[];
  tenthMs: number[];
  /** All ten pages, one after another. */
  tenPagesMs: number[];
  pagesReached: number;
}

function listCases(summary: HistorySummary, now: number): ListCase[] {
  const weekAgo = new Date(Math.floor((now - 7 * 86_400_000) / 60_000) * 60_000);
  const filters: Array<{ label: string; input: ListCase['input']; adminOnly?: boolean }> = [
    { label: 'unfiltered', input: {} },
    { label: `assistant (id of "${summary.busiestAssistant.name}")`, input: { assistantId: summary.busiestAssistant.id } },
    { label: `person ("${summary.heavyMember.name}")`, input: { userName: summary.heavyMember.name }, adminOnly: true },
    { label: 'status failed', input: { status: 'failed' } },
    { label: 'time range: the last 7 days', input: { from: weekAgo, to: new Date(now) } },
    { label: 'event type tool-execution-start', input: { eventType: 'tool-execution-start' } },
    { label: 'assistant name contains "writer"', input: { assistantName: 'writer' } },
  ];
  const cases: ListCase[] = [];
  for (const viewer of ['admin', 'member'] as const) {
    for (const filter of filters) {
      if (filter.adminOnly && viewer !== 'admin') continue;
      cases.push({ viewer, label: `${filter.label}, newest first`, input: filter.input });
    }
    cases.push({ viewer, label: 'unfiltered, by duration', input: { sort: 'duration' } });
    cases.push({ viewer, label: 'unfiltered, by tokens', input: { sort: 'tokens' } });
  }
  return cases;
}

async function measureListCase(caller: Caller, listCase: ListCase): Promise<ListFigures> {
  const figures: ListFigures = { ...listCase, firstMs: [], tenthMs: [], tenPagesMs: [], pagesReached: 0 };
  // One walk to warm up, then the measured ones.
  for (let repetition = 0; repetition <= LIST_REPETITIONS; repetition++) {
    let cursor: string | undefined;
    let total = 0;
    let pages = 0;
    for (let page = 1; page <= PAGES; page++) {
      const { ms: took, value } = await timed(() => listExecutions(caller, { ...listCase.input, limit: PAGE_SIZE, cursor }));
      pages = page;
      total += took;
      if (repetition > 0 && page === 1) figures.firstMs.push(took);
      if (repetition > 0 && page === PAGES) figures.tenthMs.push(took);
      if (!value.nextCursor) break;
      cursor = value.nextCursor;
    }
    figures.pagesReached = pages;
    if (repetition > 0) figures.tenPagesMs.push(total);
  }
  return figures;
}

function listTable(figures: ListFigures[]): ResultTable {
  return {
    caption: `\`executions.list\` through the tRPC procedure, ${PAGE_SIZE} per page, pages 1 to 10 following \`nextCursor\` (ms; median and p95 of ${LIST_REPETITIONS} walks after one warm-up walk; target ≤ ${TARGET.listMs} ms for the first and the tenth page)`,
    columns: ['as', 'filter and sort', 'page 1 median', 'page 1 p95', 'page 10 median', 'page 10 p95', 'ten pages, median', 'target'],
    rows: figures.map((entry) => {
      const first = median(entry.firstMs);
      const tenth = entry.tenthMs.length > 0 ? median(entry.tenthMs) : Number.NaN;
      const ok = first <= TARGET.listMs && (entry.tenthMs.length === 0 || tenth <= TARGET.listMs);
      return [
        entry.viewer === 'admin' ? 'admin' : 'the heavy member',
        entry.pagesReached < PAGES ? `${entry.label} (only ${entry.pagesReached} page(s))` : entry.label,
        ms(first),
        ms(percentile(entry.firstMs, 95)),
        entry.tenthMs.length > 0 ? ms(tenth) : '—',
        entry.tenthMs.length > 0 ? ms(percentile(entry.tenthMs, 95)) : '—',
        ms(median(entry.tenPagesMs)),
        met(ok),
      ];
    }),
  };
}

// ---------------------------------------------------------------- export

interface Download {
  ms: number;
  bytes: number;
  lines: number;
}

/** Downloads `url` to the end, counting bytes and lines, as a script saving the file would. */
async function download(url: string, headers: Record<string, string>): Promise<Download> {
  const started = performance.now();
  const response = await fetch(url, { headers });
  if (!response.ok || !response.body) throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
  let bytes = 0;
  let lines = 0;
  for await (const chunk of response.body) {
    bytes += chunk.byteLength;
    for (const byte of chunk) if (byte === 10) lines++;
  }
  return { ms: performance.now() - started, bytes, lines };
}

/**
 * The baseline: a plain Node HTTP server that runs one SELECT of the member's events (ordered by
 * execution and sequence) and writes each row as it arrives, as the export's NDJSON line.
 */
async function startRawExportServer(databaseUrl: string, userId: number): Promise<{ url: string; close(): Promise<void> }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const query = client.query(
      new pg.Query(
        `SELECT ev.id, ev.execution_id, ev.sequence, ev.event_type::text AS event_type, ev.created_at, ev.event_data
         FROM assistant_architect_events ev JOIN executions e ON e.id = ev.execution_id
         WHERE e.user_id = $1 ORDER BY ev.execution_id, ev.sequence`,
        [userId],
      ),
    );
    query.on('row', (row: { id: string; execution_id: number; sequence: number; event_type: string; created_at: Date; event_data: unknown }) => {
      res.write(
        `${JSON.stringify({
          id: Number(row.id),
          executionId: row.execution_id,
          sequence: row.sequence,
          eventType: row.event_type,
          createdAt: row.created_at.toISOString(),
          eventData: row.event_data,
        })}\n`,
      );
    });
    query.on('end', () => res.end());
    query.on('error', (error: Error) => res.destroy(error));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events.ndjson`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await client.end();
    },
  };
}

interface ExportFigures {
  product: Download[];
  raw: Download[];
}

async function measureExport(app: RunningApp, databaseUrl: string, member: User): Promise<ExportFigures> {
  const token = await exportToken(app, member);
  const raw = await startRawExportServer(databaseUrl, member.id);
  const figures: ExportFigures = { product: [], raw: [] };
  try {
    const product = () => download(`${app.url}${MEMBER_EVENTS_EXPORT_PATH}`, { authorization: `Bearer ${token}` });
    const baseline = () => download(raw.url, {});
    // Warm-up of both, then alternating which goes first.
    await product();
    await baseline();
    for (let repetition = 0; repetition < EXPORT_REPETITIONS; repetition++) {
      if (repetition % 2 === 0) {
        figures.product.push(await product());
        figures.raw.push(await baseline());
      } else {
        figures.raw.push(await baseline());
        figures.product.push(await product());
      }
    }
  } finally {
    await raw.close();
  }
  return figures;
}

function exportTable(figures: ExportFigures, summary: HistorySummary): ResultTable {
  const rawMs = median(figures.raw.map((entry) => entry.ms));
  const row = (label: string, downloads: Download[]) => {
    const took = median(downloads.map((entry) => entry.ms));
    const lines = downloads[0]!.lines;
    return [
      label,
      formatNumber(lines, 0),
      formatNumber(downloads[0]!.bytes / 2 ** 20, 1),
      ms(took),
      ms(
        percentile(
          downloads.map((entry) => entry.ms),
          95,
        ),
      ),
      formatNumber(lines / (took / 1_000), 0),
      formatRatio(rawMs / took),
    ];
  };
  return {
    caption: `Export of the heavy member's events (${formatNumber(summary.heavyMember.events, 0)} events of ${formatNumber(summary.heavyMember.executions, 0)} executions) as NDJSON over HTTP on loopback, read to the end (ms; median and p95 of ${EXPORT_REPETITIONS} after one warm-up each, alternating which goes first); target: product ≥ ${TARGET.exportRatio}× the baseline's rate`,
    columns: ['path', 'lines', 'MiB', 'median', 'p95', 'events/s', 'vs baseline (rate)'],
    rows: [
      row(`product: \`GET ${MEMBER_EVENTS_EXPORT_PATH}\` with the member's token`, figures.product),
      row('baseline: one raw SELECT … ORDER BY execution_id, sequence, each row written as an NDJSON line', figures.raw),
    ],
  };
}

// ---------------------------------------------------------------- the run

async function personOf(app: RunningApp, id: number): Promise<User> {
  const user = await app.services.users.find(id);
  if (!user) throw new Error(`user ${id} of the generated history is missing`);
  return user;
}

function generationTable(summary: HistorySummary, sizes: { database: string; events: string }): ResultTable {
  const { byStatus } = summary;
  return {
    caption: 'The generated history',
    columns: [
      'events',
      'executions',
      'completed / failed (cancelled) / running / queued',
      'people (admins)',
      'assistants (prompts)',
      'repositories',
      'heavy member',
      'database',
      'events table',
      'generated in',
    ],
    rows: [
      [
        formatNumber(summary.events, 0),
        formatNumber(summary.executions, 0),
        `${formatNumber(byStatus.completed, 0)} / ${formatNumber(byStatus.failed, 0)} (${formatNumber(summary.cancelled, 0)}) / ${byStatus.running} / ${byStatus.pending}`,
        `${summary.people} (${summary.admins})`,
        `${summary.assistants} (${summary.prompts})`,
        String(summary.repositories),
        `${formatNumber(summary.heavyMember.events, 0)} events (${formatNumber((100 * summary.heavyMember.events) / summary.events, 1)} %)`,
        sizes.database,
        sizes.events,
        `${formatNumber(summary.elapsedMs / 1_000, 1)} s`,
      ],
    ],
  };
}

export async function runHistory(): Promise<BenchmarkResult> {
  const cluster = await startPostgresCluster();
  const release = stopOnSignal(cluster);
  let summary: HistorySummary;
  let sizes: { database: string; events: string };
  let analytics: AnalyticsFigures;
  const lists: ListFigures[] = [];
  let exports: ExportFigures;
  try {
    const database = await createTestDatabase('postgres', cluster.url);
    const client = new pg.Client({ connectionString: database.url! });
    await client.connect();
    try {
      summary = await generateHistory(client, { events: EVENTS, seed: SEED, log: (line) => console.error(line) });
      const { rows } = await client.query<{ database: string; events: string }>(
        `SELECT pg_size_pretty(pg_database_size(current_database())) AS database, pg_size_pretty(pg_total_relation_size('assistant_architect_events')) AS events`,
      );
      sizes = rows[0]!;
    } finally {
      await client.end();
    }
    // Serves only (`api`): no worker claims the queued executions or recovers the running ones.
    const app = await startApp({
      role: 'api',
      database,
      port: 0,
      seedFieldGuide: false,
      requestsPerMinutePerAddress: 0,
      services: { usageLimits: { executionsPerMinute: 0, runningPerPerson: 0, runningInAll: 0, streamsPerPerson: 0, importsPerPerson: 0, importsInAll: 0 } },
      logger: { info: () => {}, warn: console.warn, error: console.error },
    });
    try {
      const admin = await personOf(app, summary.admin.id);
      const member = await personOf(app, summary.heavyMember.id);
      const callers = { admin: callerFor(app, admin), member: callerFor(app, member) };
      const now = Date.now();
      const ranges = [
        { label: 'all time', range: {} },
        { label: 'last 7 days', range: { from: new Date(Math.floor((now - 7 * 86_400_000) / 60_000) * 60_000) } },
        { label: 'all time, one assistant', range: { assistantId: summary.busiestAssistant.id } },
        { label: 'all time, one person', range: { userId: summary.heavyMember.id } },
      ];
      analytics = await measureAnalytics(callers.admin, ranges);
      console.error(`[history] analytics page: ${analytics.page.map((entry) => `${entry.range} ${ms(median(entry.samples))} ms`).join(', ')}`);
      for (const listCase of listCases(summary, now)) {
        lists.push(await measureListCase(callers[listCase.viewer], listCase));
      }
      console.error(`[history] executions.list: ${lists.length} cases`);
      exports = await measureExport(app, database.url!, member);
      const expected = summary.heavyMember.events;
      for (const download of [...exports.product, ...exports.raw]) {
        if (download.lines !== expected) throw new Error(`an export had ${download.lines} lines, the member has ${expected} events`);
      }
    } finally {
      await app.stop();
    }
  } finally {
    release();
    cluster.stop();
  }
  const worstPage = Math.max(...analytics.page.map((entry) => median(entry.samples)));
  const analyticsMet = analytics.calls.filter((entry) => median(entry.samples) <= TARGET.analyticsMs).length;
  const listMet = lists.filter(
    (entry) => median(entry.firstMs) <= TARGET.listMs && (entry.tenthMs.length === 0 || median(entry.tenthMs) <= TARGET.listMs),
  ).length;
  const exportRatio = median(exports.raw.map((entry) => entry.ms)) / median(exports.product.map((entry) => entry.ms));
  return {
    name: 'history',
    title: 'the history pages on a million events: analytics, the executions list, a member’s export',
    tables: [generationTable(summary, sizes), analyticsTable(analytics), listTable(lists), exportTable(exports, summary)],
    notes: [
      `The history is generated for the run (\`generateHistory\`, seed ${SEED}, ${summary.days} days up to the start of the run) into a PostgreSQL 15 server started for it, after the product's migrations, with plain INSERTs (every trigger runs), then VACUUM ANALYZE as autovacuum would have done.`,
      `Analytics: ${analyticsMet} of ${analytics.calls.length} procedure × range figures meet ${TARGET.analyticsMs} ms; the page's worst median is ${ms(worstPage)} ms (target ${TARGET.pageMs} ms).`,
      `executions.list: ${listMet} of ${lists.length} cases meet ${TARGET.listMs} ms on the first and the tenth page. Each filter is measured newest first, and each other sort unfiltered; the member's list is their own executions (the person filter is an admin's).`,
      `Export: the product reaches ${formatRatio(exportRatio)} of the raw SELECT's rate (target ≥ ${TARGET.exportRatio}×: ${met(exportRatio >= TARGET.exportRatio)}). Both write the same fields per line; the product orders by execution (newest first), the baseline by execution id.`,
      "Callers: a server-side tRPC caller per person (a signed-in session) on the running server's services, so the figures include input validation, authorisation and the queries, not HTTP; the export goes through the real HTTP route with a personal access token.",
    ],
    figures: { events: EVENTS, seed: SEED, summary, sizes, analytics, lists, exports, targets: TARGET },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const machine = describeMachine();
  console.log(`${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}, ${machine.date}, load average ${machine.loadAverage.toFixed(2)}\n`);
  console.log(resultToMarkdown(await runHistory()));
}
