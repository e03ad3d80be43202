import type { PrismaClient } from './generated/prisma/client.ts';
import { Prisma } from './generated/prisma/client.ts';

/** Bounds every analytics question takes: events created in [from, to). */
export interface AnalyticsRange {
  from?: Date | undefined;
  to?: Date | undefined;
}

/** A range, and optionally only the executions of one assistant or one person. */
export interface AnalyticsFilters extends AnalyticsRange {
  assistantId?: number | undefined;
  userId?: number | undefined;
}

/** A count or sum PostgreSQL returns as bigint or numeric, as a number (none: 0). */
export const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
/** Likewise, keeping "none" as null. */
export const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** Prompt durations by name, as the rows of either source give them, with the overall average. */
export function promptDurationsOf(rows: Array<{ prompt_name: string; avg_duration_ms: unknown; p95_duration_ms: unknown; runs: unknown }>) {
  const byPrompt = rows.map((row) => ({
    promptName: row.prompt_name,
    avgDurationMs: num(row.avg_duration_ms),
    p95DurationMs: num(row.p95_duration_ms),
    runs: num(row.runs),
  }));
  const runs = byPrompt.reduce((sum, row) => sum + row.runs, 0);
  const overall = runs > 0 ? byPrompt.reduce((sum, row) => sum + row.avgDurationMs * row.runs, 0) / runs : null;
  return { avgDurationMs: overall, runs, byPrompt };
}

/** Percentiles from `GROUP BY ROLLUP (tool_name)` rows: the overall row first, then one per assistant. */
export function percentilesOf(rows: Array<{ tool_name: string | null; p50: unknown; p95: unknown; executions: unknown }>) {
  const [overall, ...byAssistant] = rows;
  const shape = (row: (typeof rows)[number] | undefined) => ({
    p50Ms: numOrNull(row?.p50),
    p95Ms: numOrNull(row?.p95),
    executions: num(row?.executions),
  });
  return {
    overall: shape(overall),
    byAssistant: byAssistant.map((row) => ({ assistantName: row.tool_name ?? '', ...shape(row) })),
  };
}

/** The range on `timeColumn` and the assistant and person filters, as `AND …` after a WHERE. */
function matching(timeColumn: string, filters: AnalyticsFilters): Prisma.Sql {
  const column = Prisma.raw(timeColumn);
  const parts: Prisma.Sql[] = [];
  if (filters.from) parts.push(Prisma.sql`${column} >= ${filters.from}`);
  if (filters.to) parts.push(Prisma.sql`${column} < ${filters.to}`);
  if (filters.assistantId !== undefined) parts.push(Prisma.sql`assistant_id = ${filters.assistantId}`);
  if (filters.userId !== undefined) parts.push(Prisma.sql`user_id = ${filters.userId}`);
  return parts.length > 0 ? Prisma.sql` AND ${Prisma.join(parts, ' AND ')}` : Prisma.empty;
}

/**
 * The seed document's analytics questions, and a few more, answered from the rollup tables a
 * trigger keeps as events are written (`execution_rollups`, `prompt_rollups`, `repository_uses`).
 * Each keeps the time its raw-table query filtered on (the start event's, or the complete
 * event's), and takes an assistant and a person besides.
 */
export function createAnalytics(prisma: PrismaClient) {
  return {
    /** Seed: "Average execution time by tool", whose `toolName` is the assistant's name (start → complete, from the events' times). */
    async executionTimeByAssistant(filters: AnalyticsFilters = {}) {
      const rows = await prisma.$queryRaw<Array<{ tool_name: string; avg_duration_ms: unknown; executions: unknown }>>`
        SELECT tool_name, AVG(EXTRACT(EPOCH FROM (ended_at - started_at)) * 1000) AS avg_duration_ms, COUNT(*) AS executions
        FROM execution_rollups
        WHERE outcome = 'completed' AND started_at IS NOT NULL${matching('started_at', filters)}
        GROUP BY tool_name
        ORDER BY tool_name`;
      return rows.map((row) => ({ assistantName: row.tool_name, avgDurationMs: num(row.avg_duration_ms), executions: num(row.executions) }));
    },

    /** Seed: "Error rate by tool", by assistant likewise. */
    async errorRateByAssistant(filters: AnalyticsFilters = {}) {
      const rows = await prisma.$queryRaw<Array<{ tool_name: string; executions: unknown; errors: unknown }>>`
        SELECT tool_name, COUNT(*) AS executions, COUNT(*) FILTER (WHERE outcome = 'failed') AS errors
        FROM execution_rollups
        WHERE started_at IS NOT NULL${matching('started_at', filters)}
        GROUP BY tool_name
        ORDER BY tool_name`;
      return rows.map((row) => ({
        assistantName: row.tool_name,
        errorRate: num(row.errors) / num(row.executions),
        executions: num(row.executions),
        errors: num(row.errors),
      }));
    },

    /** Seed: "Most used repositories", with each repository's name where it still exists. */
    async mostUsedRepositories(filters: AnalyticsFilters = {}, limit = 20) {
      const rows = await prisma.$queryRaw<Array<{ repository_id: string; usage_count: unknown; name: string | null }>>`
        SELECT usage.repository_id, usage.usage_count, repository.name
        FROM (
          SELECT repository_id, COUNT(*) AS usage_count
          FROM repository_uses
          WHERE TRUE${matching('created_at', filters)}
          GROUP BY repository_id
        ) usage
        LEFT JOIN knowledge_repositories repository ON repository.id::text = usage.repository_id
        ORDER BY usage.usage_count DESC, usage.repository_id
        LIMIT ${limit}`;
      return rows.map((row) => ({ repositoryId: Number(row.repository_id), name: row.name, usageCount: num(row.usage_count) }));
    },

    /**
     * Seed: "Average prompt duration", overall or for one execution, and per prompt name; by the
     * complete event's time. A prompt a resumed run started twice counts once.
     */
    async averagePromptDuration(options: AnalyticsFilters & { executionId?: number | undefined } = {}) {
      const execution = options.executionId !== undefined ? Prisma.sql` AND execution_id = ${options.executionId}` : Prisma.empty;
      const rows = await prisma.$queryRaw<Array<{ prompt_name: string; avg_duration_ms: unknown; p95_duration_ms: unknown; runs: unknown }>>`
        SELECT
          prompt_name,
          AVG(duration_ms) AS avg_duration_ms,
          percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95_duration_ms,
          COUNT(*) AS runs
        FROM prompt_rollups
        WHERE completed_at IS NOT NULL AND started_at IS NOT NULL${execution}${matching('completed_at', options)}
        GROUP BY prompt_name
        ORDER BY avg_duration_ms DESC, prompt_name`;
      return promptDurationsOf(rows);
    },

    /** Executions started per hour or day, by how they ended. */
    async executionsOverTime(options: AnalyticsFilters & { bucket: 'hour' | 'day' }) {
      const bucket = Prisma.raw(`'${options.bucket}'`);
      const rows = await prisma.$queryRaw<Array<{ bucket: Date; started: unknown; completed: unknown; failed: unknown }>>`
        SELECT
          date_trunc(${bucket}, started_at) AS bucket,
          COUNT(*) AS started,
          COUNT(*) FILTER (WHERE outcome = 'completed') AS completed,
          COUNT(*) FILTER (WHERE outcome = 'failed') AS failed
        FROM execution_rollups
        WHERE started_at IS NOT NULL${matching('started_at', options)}
        GROUP BY 1
        ORDER BY 1`;
      return rows.map((row) => ({
        bucket: row.bucket,
        started: num(row.started),
        completed: num(row.completed),
        failed: num(row.failed),
      }));
    },

    /** p50 and p95 of completed executions' durations (the `duration` they report), overall and by assistant; by the complete event's time. */
    async durationPercentiles(filters: AnalyticsFilters = {}) {
      const rows = await prisma.$queryRaw<Array<{ tool_name: string | null; p50: unknown; p95: unknown; executions: unknown }>>`
        SELECT
          tool_name,
          percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
          percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95,
          COUNT(*) AS executions
        FROM execution_rollups
        WHERE outcome = 'completed' AND started_at IS NOT NULL${matching('ended_at', filters)}
        GROUP BY ROLLUP (tool_name)
        ORDER BY tool_name NULLS FIRST`;
      return percentilesOf(rows);
    },

    /** Output tokens by the model that wrote them (from prompt-start's modelId), and how many came from the cache; by the complete event's time. */
    async tokensByModel(filters: AnalyticsFilters = {}) {
      const rows = await prisma.$queryRaw<Array<{ model_id: string; output_tokens: unknown; prompts: unknown; cached: unknown }>>`
        SELECT model_id, SUM(output_tokens) AS output_tokens, COUNT(*) AS prompts, COUNT(*) FILTER (WHERE cached) AS cached
        FROM prompt_rollups
        WHERE completed_at IS NOT NULL AND started_at IS NOT NULL${matching('completed_at', filters)}
        GROUP BY model_id
        ORDER BY output_tokens DESC, model_id`;
      return rows.map((row) => ({
        modelId: row.model_id,
        outputTokens: num(row.output_tokens),
        prompts: num(row.prompts),
        cachedPrompts: num(row.cached),
      }));
    },
  };
}

export type Analytics = ReturnType<typeof createAnalytics>;
