import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';

/** A batch waits up to 15 s to begin on a busy database, and may take a minute. */
const SWEEP_TRANSACTION = { maxWait: 15_000, timeout: 60_000 } as const;

/** The longest a policy keeps anything: a hundred years (the table's CHECK agrees). */
export const MAX_KEEP_DAYS = 36_500;

/** Executions deleted per transaction unless told otherwise: each batch's locks are brief. */
export const DEFAULT_RETENTION_BATCH_SIZE = 500;

/** A policy for an assistant that does not exist (or no longer does). */
export class RetentionAssistantNotFoundError extends Error {
  override name = 'RetentionAssistantNotFoundError';
  constructor(readonly assistantId: number) {
    super(`Assistant ${assistantId} does not exist`);
  }
}

/** Which executions a policy covers: every assistant without its own, or one assistant. */
export type RetentionScope = { assistantId: number | null };

/** A policy with what it would delete if a sweep ran now. */
export interface RetentionPolicyView {
  id: number;
  /** Null: installation-wide. */
  assistantId: number | null;
  assistantName: string | null;
  keepDays: number;
  updatedAt: Date;
  updatedBy: { id: number; name: string } | null;
  /** Finished executions older than `keepDays` under this policy, and their events. */
  expired: { executions: number; events: number };
}

/** What one policy's share of a sweep deleted. */
export interface RetentionDeletion {
  policyId: number;
  assistantId: number | null;
  keepDays: number;
  executions: number;
  events: number;
}

/** What a sweep deleted, in how many transactions. */
export interface RetentionSweepResult {
  executions: number;
  events: number;
  batches: number;
  byPolicy: RetentionDeletion[];
}

interface ExpiredRow {
  id: number;
  policy_id: number;
  assistant_id: number | null;
  keep_days: number;
}

/**
 * Finished executions whose policy's time is up: an assistant's own policy, else the
 * installation-wide one; the finish time, else (never started) the creation time. Pending and
 * running executions are never expired.
 */
const expiredExecutions = (now: Date) => Prisma.sql`
  SELECT e.id, COALESCE(own.id, everyone.id) AS policy_id, own.assistant_id, COALESCE(own.keep_days, everyone.keep_days) AS keep_days
  FROM executions e
  LEFT JOIN retention_policies own ON own.assistant_id = e.assistant_id
  LEFT JOIN retention_policies everyone ON everyone.assistant_id IS NULL
  WHERE e.status IN ('completed', 'failed')
    AND COALESCE(e.finished_at, e.created_at) < ${now}::timestamptz - make_interval(days => COALESCE(own.keep_days, everyone.keep_days))`;

const toCount = (value: unknown) => Number(value ?? 0);

/** Retention policies, and the sweep that deletes what they no longer keep. */
export function createRetentionStore(prisma: PrismaClient) {
  /** One transaction: locks up to `batchSize` expired executions (skipping those others hold), deletes their events, then them. */
  async function deleteBatch(now: Date, batchSize: number): Promise<RetentionDeletion[]> {
    return prisma.$transaction(async (tx) => {
      const doomed = await tx.$queryRaw<ExpiredRow[]>`
        ${expiredExecutions(now)}
        ORDER BY e.id
        LIMIT ${batchSize}
        FOR UPDATE OF e SKIP LOCKED`;
      if (doomed.length === 0) return [];
      const ids = doomed.map((row) => row.id);
      // Events first and counted; prompt results (and anything else keyed on the execution) go by cascade.
      const events = await tx.$queryRaw<Array<{ execution_id: number; events: unknown }>>`
        WITH gone AS (DELETE FROM assistant_architect_events WHERE execution_id = ANY(${ids}::int[]) RETURNING execution_id)
        SELECT execution_id, count(*) AS events FROM gone GROUP BY execution_id`;
      await tx.$executeRaw`DELETE FROM executions WHERE id = ANY(${ids}::int[])`;
      const eventsOf = new Map(events.map((row) => [row.execution_id, toCount(row.events)]));
      return merge(
        doomed.map((row) => ({
          policyId: row.policy_id,
          assistantId: row.assistant_id,
          keepDays: row.keep_days,
          executions: 1,
          events: eventsOf.get(row.id) ?? 0,
        })),
      );
    }, SWEEP_TRANSACTION);
  }

  return {
    /** Every policy, installation-wide first, each with what it would delete now. */
    async list(now = new Date()): Promise<RetentionPolicyView[]> {
      const policies = await prisma.retentionPolicy.findMany({
        include: { assistant: { select: { name: true } }, updatedBy: { select: { id: true, name: true } } },
        orderBy: [{ assistantId: { sort: 'asc', nulls: 'first' } }],
      });
      const counts = await prisma.$queryRaw<Array<{ policy_id: number; executions: unknown; events: unknown }>>`
        SELECT x.policy_id, count(*) AS executions,
               COALESCE(sum((SELECT count(*) FROM assistant_architect_events ev WHERE ev.execution_id = x.id)), 0) AS events
        FROM (${expiredExecutions(now)}) x
        GROUP BY x.policy_id`;
      const byPolicy = new Map(counts.map((row) => [row.policy_id, { executions: toCount(row.executions), events: toCount(row.events) }]));
      return policies.map((policy) => ({
        id: policy.id,
        assistantId: policy.assistantId,
        assistantName: policy.assistant?.name ?? null,
        keepDays: policy.keepDays,
        updatedAt: policy.updatedAt,
        updatedBy: policy.updatedBy,
        expired: byPolicy.get(policy.id) ?? { executions: 0, events: 0 },
      }));
    },

    /** The policy of an assistant, or the installation-wide one; null when none is set. */
    find(scope: RetentionScope) {
      return prisma.retentionPolicy.findFirst({ where: { assistantId: scope.assistantId } });
    },

    /** Sets a policy (creating or replacing it); returns the days it kept before, if it existed. */
    async set(scope: RetentionScope & { keepDays: number; updatedById: number }): Promise<{ id: number; previousKeepDays: number | null }> {
      if (scope.assistantId !== null) {
        const assistant = await prisma.assistant.findUnique({ where: { id: scope.assistantId }, select: { id: true } });
        if (!assistant) throw new RetentionAssistantNotFoundError(scope.assistantId);
      }
      return prisma.$transaction(async (tx) => {
        // The unique index treats NULLs as equal, which Prisma's upsert cannot express: lock, then update or insert.
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('aae:retention-policies'))`;
        const existing = await tx.retentionPolicy.findFirst({ where: { assistantId: scope.assistantId } });
        const data = { keepDays: scope.keepDays, updatedById: scope.updatedById };
        const saved = existing
          ? await tx.retentionPolicy.update({ where: { id: existing.id }, data })
          : await tx.retentionPolicy.create({ data: { ...data, assistantId: scope.assistantId } });
        return { id: saved.id, previousKeepDays: existing?.keepDays ?? null };
      });
    },

    /** Removes a policy; returns the days it kept, or null when there was none. */
    async remove(scope: RetentionScope): Promise<{ keepDays: number } | null> {
      const removed = await prisma.$queryRaw<Array<{ keep_days: number }>>`
        DELETE FROM retention_policies WHERE assistant_id IS NOT DISTINCT FROM ${scope.assistantId}::int RETURNING keep_days`;
      return removed[0] ? { keepDays: removed[0].keep_days } : null;
    },

    /**
     * Deletes every execution expired at `now`, `batchSize` per transaction, until none is left
     * (or `maxBatches` ran, or `signal` aborted: between two transactions). Another process
     * sweeping at once takes other rows, never the same.
     */
    async sweep(options: { now?: Date; batchSize?: number; maxBatches?: number; signal?: AbortSignal } = {}): Promise<RetentionSweepResult> {
      const now = options.now ?? new Date();
      const batchSize = Math.max(1, options.batchSize ?? DEFAULT_RETENTION_BATCH_SIZE);
      const maxBatches = options.maxBatches ?? Number.POSITIVE_INFINITY;
      const deleted: RetentionDeletion[] = [];
      let batches = 0;
      while (batches < maxBatches && !options.signal?.aborted) {
        const batch = await deleteBatch(now, batchSize);
        if (batch.length === 0) break;
        batches++;
        deleted.push(...batch);
        if (batch.reduce((sum, policy) => sum + policy.executions, 0) < batchSize) break;
      }
      const byPolicy = merge(deleted);
      return {
        executions: byPolicy.reduce((sum, policy) => sum + policy.executions, 0),
        events: byPolicy.reduce((sum, policy) => sum + policy.events, 0),
        batches,
        byPolicy,
      };
    },
  };
}

/** Sums deletions per policy. */
function merge(deletions: readonly RetentionDeletion[]): RetentionDeletion[] {
  const byPolicy = new Map<number, RetentionDeletion>();
  for (const deletion of deletions) {
    const entry = byPolicy.get(deletion.policyId);
    if (entry) {
      entry.executions += deletion.executions;
      entry.events += deletion.events;
    } else {
      byPolicy.set(deletion.policyId, { ...deletion });
    }
  }
  return [...byPolicy.values()];
}

export type RetentionStore = ReturnType<typeof createRetentionStore>;
