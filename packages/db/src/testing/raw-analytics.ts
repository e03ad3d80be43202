import { type AnalyticsFilters, num, percentilesOf, promptDurationsOf } from '../analytics.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { Prisma } from '../generated/prisma/client.ts';

/** The range on `alias`'s time, and the assistant and person through its execution. */
function within(alias: string, filters: AnalyticsFilters): Prisma.Sql {
  const column = Prisma.raw(`${alias}.created_at`);
  const parts: Prisma.Sql[] = [];
  if (filters.from) parts.push(Prisma.sql`${column} >= ${filters.from}`);
  if (filters.to) parts.push(Prisma.sql`${column} < ${filters.to}`);
  const owner: Prisma.Sql[] = [];
  if (filters.assistantId !== undefined) owner.push(Prisma.sql`assistant_id = ${filters.assistantId}`);
  if (filters.userId !== undefined) owner.push(Prisma.sql`user_id = ${filters.userId}`);
  if (owner.length > 0) {
    parts.push(Prisma.sql`${Prisma.raw(`${alias}.execution_id`)} IN (SELECT id FROM executions WHERE ${Prisma.join(owner, ' AND ')})`);
  }
  return parts.length > 0 ? Prisma.sql` AND ${Prisma.join(parts, ' AND ')}` : Prisma.empty;
}

/** Each completed execution, its `execution-start` row as start_event and its `execution-complete` row as complete_event. */
const completedExecutions = Prisma.sql`
        FROM assistant_architect_events complete_event
        JOIN assistant_architect_events start_event
          ON start_event.execution_id = complete_event.execution_id
          AND start_event.event_type = 'execution-start'::assistant_event_type
        WHERE complete_event.event_type = 'execution-complete'::assistant_event_type`;

/**
 * Each prompt-complete row as complete, with its prompt's first prompt-start row as start: a
 * prompt whose run was resumed after its worker died has two prompt-starts and counts once (the
 * analytics before the rollups joined every prompt-start, and counted it twice).
 */
const completedPrompts = Prisma.sql`FROM assistant_architect_events complete
        JOIN LATERAL (
          SELECT first_start.event_data
          FROM assistant_architect_events first_start
          WHERE first_start.execution_id = complete.execution_id
            AND first_start.event_type = 'prompt-start'::assistant_event_type
            AND first_start.event_data->'promptId' = complete.event_data->'promptId'
          ORDER BY first_start.created_at, first_start.sequence
          LIMIT 1
        ) start ON TRUE`;

/**
 * The analytics answered straight from the events table, as they were before the rollups: the
 * reference the rollups are checked against. The seed's own queries are kept in shape (same
 * joins, filters and grouping), with the filters and per-group counts added.
 */
export function createRawAnalytics(prisma: PrismaClient) {
  return {
    /** Seed: "Average execution time by tool", whose `toolName` is the assistant's name (start → complete, from the rows' created_at). */
    async executionTimeByAssistant(filters: AnalyticsFilters = {}) {
      const rows = await prisma.$queryRaw<Array<{ tool_name: string; avg_duration_ms: unknown; executions: unknown }>>`
        SELECT
          start_event.event_data->>'toolName' AS tool_name,
          AVG(EXTRACT(EPOCH FROM (complete_event.created_at - start_event.created_at)) * 1000) AS avg_duration_ms,
          COUNT(*) AS executions
        ${completedExecutions}${within('start_event', filters)}
        GROUP BY tool_name
        ORDER BY tool_name`;
      return rows.map((row) => ({ assistantName: row.tool_name, avgDurationMs: num(row.avg_duration_ms), executions: num(row.executions) }));
    },

    /** Seed: "Error rate by tool", by assistant likewise. */
    async errorRateByAssistant(filters: AnalyticsFilters = {}) {
      const rows = await prisma.$queryRaw<Array<{ tool_name: string; error_rate: unknown; executions: unknown; errors: unknown }>>`
        SELECT
          start_event.event_data->>'toolName' AS tool_name,
          COUNT(error_event.id)::float / COUNT(start_event.id) AS error_rate,
          COUNT(start_event.id) AS executions,
          COUNT(error_event.id) AS errors
        FROM assistant_architect_events start_event
        LEFT JOIN assistant_architect_events error_event
          ON start_event.execution_id = error_event.execution_id
          AND error_event.event_type = 'execution-error'::assistant_event_type
        WHERE start_event.event_type = 'execution-start'::assistant_event_type${within('start_event', filters)}
        GROUP BY tool_name
        ORDER BY tool_name`;
      return rows.map((row) => ({
        assistantName: row.tool_name,
        errorRate: num(row.error_rate),
        executions: num(row.executions),
        errors: num(row.errors),
      }));
    },

    /** Seed: "Most used repositories", with each repository's name where it still exists. */
    async mostUsedRepositories(filters: AnalyticsFilters = {}, limit = 20) {
      const rows = await prisma.$queryRaw<Array<{ repository_id: string; usage_count: unknown; name: string | null }>>`
        SELECT usage.repository_id, usage.usage_count, repository.name
        FROM (
          SELECT
            jsonb_array_elements_text(event_data->'repositories') AS repository_id,
            COUNT(*) AS usage_count
          FROM assistant_architect_events e
          WHERE event_type = 'knowledge-retrieval-start'::assistant_event_type${within('e', filters)}
          GROUP BY repository_id
        ) usage
        LEFT JOIN knowledge_repositories repository ON repository.id::text = usage.repository_id
        ORDER BY usage.usage_count DESC, usage.repository_id
        LIMIT ${limit}`;
      return rows.map((row) => ({ repositoryId: Number(row.repository_id), name: row.name, usageCount: num(row.usage_count) }));
    },

    /** Seed: "Average prompt duration", overall or for one execution, and per prompt name. */
    async averagePromptDuration(options: AnalyticsFilters & { executionId?: number | undefined } = {}) {
      const execution = options.executionId !== undefined ? Prisma.sql` AND complete.execution_id = ${options.executionId}` : Prisma.empty;
      const rows = await prisma.$queryRaw<Array<{ prompt_name: string; avg_duration_ms: unknown; p95_duration_ms: unknown; runs: unknown }>>`
        SELECT
          start.event_data->>'promptName' AS prompt_name,
          AVG((complete.event_data->>'duration')::integer) AS avg_duration_ms,
          percentile_cont(0.95) WITHIN GROUP (ORDER BY (complete.event_data->>'duration')::integer) AS p95_duration_ms,
          COUNT(*) AS runs
        ${completedPrompts}
        WHERE complete.event_type = 'prompt-complete'::assistant_event_type${execution}${within('complete', options)}
        GROUP BY prompt_name
        ORDER BY avg_duration_ms DESC, prompt_name`;
      return promptDurationsOf(rows);
    },

    /** Executions started per hour or day, by how they ended. */
    async executionsOverTime(options: AnalyticsFilters & { bucket: 'hour' | 'day' }) {
      const bucket = Prisma.raw(`'${options.bucket}'`);
      const rows = await prisma.$queryRaw<Array<{ bucket: Date; started: unknown; completed: unknown; failed: unknown }>>`
        SELECT
          date_trunc(${bucket}, start_event.created_at) AS bucket,
          COUNT(*) AS started,
          COUNT(*) FILTER (WHERE terminal.event_type = 'execution-complete'::assistant_event_type) AS completed,
          COUNT(*) FILTER (WHERE terminal.event_type = 'execution-error'::assistant_event_type) AS failed
        FROM assistant_architect_events start_event
        LEFT JOIN assistant_architect_events terminal
          ON terminal.execution_id = start_event.execution_id
          AND terminal.event_type IN ('execution-complete'::assistant_event_type, 'execution-error'::assistant_event_type)
        WHERE start_event.event_type = 'execution-start'::assistant_event_type${within('start_event', options)}
        GROUP BY 1
        ORDER BY 1`;
      return rows.map((row) => ({
        bucket: row.bucket,
        started: num(row.started),
        completed: num(row.completed),
        failed: num(row.failed),
      }));
    },

    /** p50 and p95 of completed executions' durations (the `duration` they report), overall and by assistant. */
    async durationPercentiles(filters: AnalyticsFilters = {}) {
      const rows = await prisma.$queryRaw<Array<{ tool_name: string | null; p50: unknown; p95: unknown; executions: unknown }>>`
        SELECT
          start_event.event_data->>'toolName' AS tool_name,
          percentile_cont(0.5) WITHIN GROUP (ORDER BY (complete_event.event_data->>'duration')::numeric) AS p50,
          percentile_cont(0.95) WITHIN GROUP (ORDER BY (complete_event.event_data->>'duration')::numeric) AS p95,
          COUNT(*) AS executions
        ${completedExecutions}${within('complete_event', filters)}
        GROUP BY ROLLUP (tool_name)
        ORDER BY tool_name NULLS FIRST`;
      return percentilesOf(rows);
    },

    /** Output tokens by the model that wrote them (from prompt-start's modelId), and how many came from the cache. */
    async tokensByModel(filters: AnalyticsFilters = {}) {
      const rows = await prisma.$queryRaw<Array<{ model_id: string; output_tokens: unknown; prompts: unknown; cached: unknown }>>`
        SELECT
          start.event_data->>'modelId' AS model_id,
          SUM((complete.event_data->>'outputTokens')::integer) AS output_tokens,
          COUNT(*) AS prompts,
          COUNT(*) FILTER (WHERE (complete.event_data->>'cached')::boolean) AS cached
        ${completedPrompts}
        WHERE complete.event_type = 'prompt-complete'::assistant_event_type${within('complete', filters)}
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
