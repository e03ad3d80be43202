import { z } from 'zod';
import { EXECUTION_SORTS, EXECUTION_STATUSES, type ExecutionSort } from '@aae/events';
import { storable } from '../storable.ts';
import { Prisma, type ExecutionStatus, type PrismaClient } from '../generated/prisma/client.ts';
import { promptOrder, promptSelect, toPrompt, type AssistantPrompt } from './assistants.ts';

/** What a list shows of an execution: no input (up to 200,000 characters each). */
const summarySelect = {
  id: true,
  assistantId: true,
  assistantVersion: true,
  userId: true,
  status: true,
  totalTokens: true,
  error: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  cancelRequestedAt: true,
  cancelRequestedBy: true,
  assistant: { select: { name: true } },
  user: { select: { name: true } },
} satisfies Prisma.ExecutionSelect;

const executionSelect = { ...summarySelect, input: true } satisfies Prisma.ExecutionSelect;

const promptResultSelect = {
  promptId: true,
  output: true,
  outputTokens: true,
  durationMs: true,
  cached: true,
  createdAt: true,
} satisfies Prisma.PromptResultSelect;

type SummaryRow = Prisma.ExecutionGetPayload<{ select: typeof summarySelect }>;
type ExecutionRow = Prisma.ExecutionGetPayload<{ select: typeof executionSelect }>;

const executionInputSchema = z.record(z.string(), z.string());

/** An execution as lists show it. */
export type ExecutionSummary = Omit<SummaryRow, 'assistant' | 'user'> & {
  assistantName: string;
  userName: string;
};

/** An execution with the input it ran with. */
export type ExecutionRecord = ExecutionSummary & { input: Record<string, string> };

export type PromptResult = Prisma.PromptResultGetPayload<{ select: typeof promptResultSelect }>;

/** An execution with its results, and `plan`: the prompts of the version it ran, in the order they run. */
export type ExecutionDetail = ExecutionRecord & { promptResults: PromptResult[]; plan: AssistantPrompt[] };

/** A prompt's result as a run stores it, and a resumed run reuses it. */
export interface StoredPromptResult {
  promptId: number;
  output: string;
  inputTokens: number;
  outputTokens: number;
  durationMs: number;
  cached: boolean;
}

function toSummary({ assistant, user, ...row }: SummaryRow): ExecutionSummary {
  return { ...row, assistantName: assistant.name, userName: user.name };
}

function toRecord({ input, ...row }: ExecutionRow): ExecutionRecord {
  return { ...toSummary(row), input: executionInputSchema.parse(input) };
}

export interface ListExecutionsOptions {
  /** Only this user's executions; all users' when absent. */
  userId?: number | undefined;
  userName?: string | undefined;
  assistantId?: number | undefined;
  /** Part of the assistant's name (the seed's `toolName`), any case. */
  assistantName?: string | undefined;
  status?: ExecutionStatus | undefined;
  /** Created in [from, to). */
  from?: Date | undefined;
  to?: Date | undefined;
  /** Only executions with at least one event of this type (the database label, e.g. `tool-execution-start`). */
  eventType?: string | undefined;
  sort?: ExecutionSort | undefined;
  order?: 'asc' | 'desc' | undefined;
  /** Keyset cursor from the previous page's `nextCursor`. */
  cursor?: string | undefined;
  limit: number;
}

const SORT_SQL: Record<ExecutionSort, Prisma.Sql> = {
  createdAt: Prisma.sql`e.created_at`,
  // Unfinished executions have no duration yet: they sort below every finished one. The same
  // expression is indexed (executions_duration_id_idx): keep the two identical.
  duration: Prisma.sql`COALESCE(EXTRACT(EPOCH FROM (e.finished_at - e.started_at)) * 1000, -1)`,
  tokens: Prisma.sql`e.total_tokens`,
};

/** A cursor's sort value as the sort's own type, so the comparison can seek in the sort's index. */
const CURSOR_VALUE_SQL: Record<ExecutionSort, (value: number | Date) => Prisma.Sql> = {
  createdAt: (value) => Prisma.sql`${value}::timestamptz`,
  duration: (value) => Prisma.sql`${value}::numeric`,
  tokens: (value) => Prisma.sql`${value}::bigint`,
};

/** The sort values a row can have, per sort: a cursor outside them was not made by this list. */
const CURSOR_VALUE_SCHEMA: Record<ExecutionSort, z.ZodType<number>> = {
  // Milliseconds since the epoch, up to the last millisecond of year 9999.
  createdAt: z.number().int().min(0).max(253_402_300_799_999),
  // -1 for an unfinished execution; below that when the clocks that stamped its start and finish disagree.
  duration: z.number().finite().min(-8.64e15).max(8.64e15),
  tokens: z.number().int().min(-2_147_483_648).max(2_147_483_647),
};

export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

/** Where a page ended: the last row's sort value and id, and the order it was read in. */
const cursorSchema = z.tuple([
  z.enum(EXECUTION_SORTS),
  z.enum(['asc', 'desc']),
  z.number().finite().min(-8.64e15).max(8.64e15),
  z.number().int().min(1).max(2_147_483_647),
]);

function encodeCursor(sort: ExecutionSort, order: 'asc' | 'desc', value: number, id: number): string {
  return Buffer.from(JSON.stringify([sort, order, value, id])).toString('base64url');
}

function decodeCursor(cursor: string, sort: ExecutionSort, order: 'asc' | 'desc'): { value: number | Date; id: number } {
  let parsed: z.infer<typeof cursorSchema> | undefined;
  try {
    parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))).data;
  } catch {
    // Not JSON: reported below.
  }
  // A cursor of another sort or order would start the page at an unrelated place.
  if (!parsed || parsed[0] !== sort || parsed[1] !== order || !CURSOR_VALUE_SCHEMA[sort].safeParse(parsed[2]).success) {
    throw new InvalidCursorError(`"${cursor}" is not a cursor from this list (sorted by ${sort}, ${order})`);
  }
  const [, , value, id] = parsed;
  return { value: sort === 'createdAt' ? new Date(value) : value, id };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** `column = id` for one id (so an index on the column orders the walk), `= ANY` for several. */
function oneOf(column: Prisma.Sql, ids: readonly number[]): Prisma.Sql {
  return ids.length === 1 ? Prisma.sql`${column} = ${ids[0]}` : Prisma.sql`${column} = ANY(${ids}::int[])`;
}

export function createExecutionRepository(prisma: PrismaClient) {
  /**
   * The list's name filters as the ids they name, read first so that the page itself is a walk of
   * an index on executions; null when a name matches nothing (the page is empty).
   */
  async function conditionsOfNames(options: ListExecutionsOptions): Promise<Prisma.Sql[] | null> {
    const conditions: Prisma.Sql[] = [];
    if (options.userName) {
      const users = await prisma.user.findMany({ where: { name: options.userName }, select: { id: true } });
      if (users.length === 0) return null;
      conditions.push(
        oneOf(
          Prisma.sql`e.user_id`,
          users.map((user) => user.id),
        ),
      );
    }
    if (options.assistantName) {
      const assistants = await prisma.$queryRaw<Array<{ id: number }>>`
        SELECT id FROM assistants WHERE name ILIKE ${`%${escapeLike(options.assistantName)}%`}`;
      if (assistants.length === 0) return null;
      conditions.push(
        oneOf(
          Prisma.sql`e.assistant_id`,
          assistants.map((assistant) => assistant.id),
        ),
      );
    }
    return conditions;
  }

  /**
   * The ids of one page of `list`, in order, and the cursor of the next. Each sort has an index
   * ending in `id` (alone, and under a user or an assistant), so the page is read by walking it
   * from the cursor: `(sort value, id)` past the last row of the previous page.
   */
  async function pageOf(options: ListExecutionsOptions): Promise<{ ids: number[]; nextCursor: string | null }> {
    const sort = options.sort ?? 'createdAt';
    const order = options.order ?? 'desc';
    const after = options.cursor ? decodeCursor(options.cursor, sort, order) : null;
    const byName = await conditionsOfNames(options);
    if (byName === null) return { ids: [], nextCursor: null };
    const sortSql = SORT_SQL[sort];
    const conditions: Prisma.Sql[] = [Prisma.sql`TRUE`, ...byName];
    if (options.userId !== undefined) conditions.push(Prisma.sql`e.user_id = ${options.userId}`);
    if (options.assistantId !== undefined) conditions.push(Prisma.sql`e.assistant_id = ${options.assistantId}`);
    if (options.status) conditions.push(Prisma.sql`e.status = ${options.status}::execution_status`);
    if (options.from) conditions.push(Prisma.sql`e.created_at >= ${options.from}`);
    if (options.to) conditions.push(Prisma.sql`e.created_at < ${options.to}`);
    if (options.eventType) {
      // A semi-join answered from the (event_type, execution_id) index alone.
      conditions.push(
        Prisma.sql`EXISTS (SELECT 1 FROM assistant_architect_events ev WHERE ev.event_type = ${options.eventType}::assistant_event_type AND ev.execution_id = e.id)`,
      );
    }
    if (after) {
      const value = CURSOR_VALUE_SQL[sort](after.value);
      conditions.push(
        order === 'desc' ? Prisma.sql`(${sortSql}, e.id) < (${value}, ${after.id}::int)` : Prisma.sql`(${sortSql}, e.id) > (${value}, ${after.id}::int)`,
      );
    }
    const direction = Prisma.raw(order === 'desc' ? 'DESC' : 'ASC');
    const page = await prisma.$queryRaw<Array<{ id: number; sort_value: unknown }>>`
      SELECT e.id, ${sortSql} AS sort_value
      FROM executions e
      WHERE ${Prisma.join(conditions, ' AND ')}
      ORDER BY ${sortSql} ${direction}, e.id ${direction}
      LIMIT ${options.limit + 1}`;
    const ids = page.slice(0, options.limit).map((row) => row.id);
    const last = page[options.limit - 1];
    const nextCursor =
      page.length > options.limit && last
        ? encodeCursor(sort, order, last.sort_value instanceof Date ? last.sort_value.getTime() : Number(last.sort_value), last.id)
        : null;
    return { ids, nextCursor };
  }

  return {
    /** Executions of every status in the database (each status present, 0 when none), for metrics. */
    async countByStatus(): Promise<Record<ExecutionStatus, number>> {
      // A walk of the (status, created_at, id) index: fast at a hundred thousand executions.
      const groups = await prisma.execution.groupBy({ by: ['status'], _count: { _all: true } });
      const counts = Object.fromEntries(EXECUTION_STATUSES.map((status) => [status, 0])) as Record<ExecutionStatus, number>;
      for (const group of groups) counts[group.status] = group._count._all;
      return counts;
    },

    /** A queued execution of version `assistantVersion` of the assistant: what it runs, whatever is saved later. */
    async create(input: { assistantId: number; assistantVersion: number; userId: number; input: Record<string, string> }): Promise<number> {
      const row = await prisma.execution.create({
        data: { assistantId: input.assistantId, assistantVersion: input.assistantVersion, userId: input.userId, input: input.input },
        select: { id: true },
      });
      return row.id;
    },

    async get(id: number): Promise<ExecutionDetail | null> {
      const row = await prisma.execution.findUnique({
        where: { id },
        select: {
          ...executionSelect,
          promptResults: { select: promptResultSelect, orderBy: { id: 'asc' } },
          version: { select: { prompts: { orderBy: promptOrder, select: promptSelect } } },
        },
      });
      if (!row) return null;
      const { promptResults, version, ...record } = row;
      return { ...toRecord(record), promptResults, plan: version.prompts.map(toPrompt) };
    },

    /** Who owns an execution, or null when it does not exist. */
    async ownerOf(id: number): Promise<number | null> {
      const row = await prisma.execution.findUnique({ where: { id }, select: { userId: true } });
      return row?.userId ?? null;
    },

    /** Keyset-paged, filtered and sorted (newest first by default). */
    async list(options: ListExecutionsOptions): Promise<{ items: ExecutionSummary[]; nextCursor: string | null }> {
      const { ids, nextCursor } = await pageOf(options);
      const rows = await prisma.execution.findMany({ where: { id: { in: ids } }, select: summarySelect });
      const byId = new Map(rows.map((row) => [row.id, toSummary(row)]));
      return { items: ids.flatMap((id) => byId.get(id) ?? []), nextCursor };
    },

    /** The ids of a page of `list`, in order (exports read their events). */
    listIds: pageOf,

    /** `list` with each execution's input (exports). */
    async listWithInput(options: ListExecutionsOptions): Promise<{ items: ExecutionRecord[]; nextCursor: string | null }> {
      const { ids, nextCursor } = await pageOf(options);
      const rows = await prisma.execution.findMany({ where: { id: { in: ids } }, select: executionSelect });
      const byId = new Map(rows.map((row) => [row.id, toRecord(row)]));
      return { items: ids.flatMap((id) => byId.get(id) ?? []), nextCursor };
    },

    async markRunning(id: number, startedAt: Date, workerId: string): Promise<void> {
      await prisma.$executeRaw`
        UPDATE executions SET status = 'running', started_at = ${startedAt}, worker_id = ${workerId}, heartbeat_at = now()
        WHERE id = ${id}`;
    },

    /**
     * Records a cancellation request if the execution is still unfinished; false when it has
     * already finished.
     */
    async requestCancel(id: number, by: string): Promise<boolean> {
      const { count } = await prisma.execution.updateMany({
        where: { id, status: { in: ['pending', 'running'] } },
        data: { cancelRequestedAt: new Date(), cancelRequestedBy: by },
      });
      return count > 0;
    },

    /**
     * Records how an execution ended, outside the worker (which finishes through the queue, under
     * its claim); not once it was closed as interrupted (that status stands).
     */
    async markFinished(
      id: number,
      outcome: { status: 'completed' | 'failed'; totalTokens: number; error?: string | undefined; finishedAt: Date },
    ): Promise<void> {
      await prisma.execution.updateMany({
        where: { id, orphanedAt: null },
        data: {
          status: outcome.status,
          totalTokens: outcome.totalTokens,
          error: outcome.error === undefined ? null : storable(outcome.error),
          finishedAt: outcome.finishedAt,
        },
      });
    },

    /**
     * Stores a prompt's result while `claim` holds (a resumed run reuses it instead of running the
     * prompt again). False when the claim is lost: the run must stop.
     */
    async savePromptResult(result: StoredPromptResult & { executionId: number; claim: number }): Promise<boolean> {
      const saved = await prisma.$executeRaw`
        INSERT INTO prompt_results (execution_id, prompt_id, output, input_tokens, output_tokens, duration_ms, cached)
        SELECT id, ${result.promptId}, ${storable(result.output)}, ${result.inputTokens}, ${result.outputTokens}, ${result.durationMs}, ${result.cached}
        FROM executions WHERE id = ${result.executionId} AND claims = ${result.claim} AND status = 'running'
        -- Waits for a claim or recovery under way (FOR UPDATE), then sees its new claim number.
        FOR KEY SHARE
        ON CONFLICT (execution_id, prompt_id) DO UPDATE SET
          output = EXCLUDED.output, input_tokens = EXCLUDED.input_tokens, output_tokens = EXCLUDED.output_tokens,
          duration_ms = EXCLUDED.duration_ms, cached = EXCLUDED.cached, created_at = now()`;
      return saved > 0;
    },

    /**
     * What earlier runs of an interrupted execution stored: its prompts' results (with whether
     * their `prompt-complete` event is stored too), where a resumed run goes on from.
     */
    async storedProgress(id: number): Promise<Array<StoredPromptResult & { announced: boolean }>> {
      const rows = await prisma.$queryRaw<
        Array<{ prompt_id: number; output: string; input_tokens: number; output_tokens: number; duration_ms: number; cached: boolean; announced: boolean }>
      >`
        SELECT r.prompt_id, r.output, r.input_tokens, r.output_tokens, r.duration_ms, r.cached,
          EXISTS (
            SELECT 1 FROM assistant_architect_events ev
            WHERE ev.execution_id = r.execution_id AND ev.event_type = 'prompt-complete' AND (ev.event_data->>'promptId')::int = r.prompt_id
          ) AS announced
        FROM prompt_results r WHERE r.execution_id = ${id} ORDER BY r.id`;
      return rows.map((row) => ({
        promptId: row.prompt_id,
        output: row.output,
        inputTokens: row.input_tokens,
        outputTokens: row.output_tokens,
        durationMs: row.duration_ms,
        cached: row.cached,
        announced: row.announced,
      }));
    },
  };
}

export type ExecutionRepository = ReturnType<typeof createExecutionRepository>;
