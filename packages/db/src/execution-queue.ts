import { EventEmitter } from 'node:events';
import type { StoredEvent } from '@aae/events';
import pg from 'pg';
import { createEventStore } from './event-store.ts';
import { storable } from './storable.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { closeWithError, EXECUTION_LOCK_CLASS, QUEUE_CHANNEL } from './orphan-recovery.ts';

/** An execution a worker has claimed from the queue: it runs it under this claim. */
export interface ClaimedExecution {
  id: number;
  /** Fences this run: once another worker claims the execution, what this one writes is refused. */
  claim: number;
  /** Which run of it this is (1 for the first); hand-backs on shutdown do not count. */
  attempt: number;
  userId: number;
  /** The runner's role when claimed: they search and read as themselves. */
  isAdmin: boolean;
  assistantId: number;
  /** The version of the assistant it was started with: the one it runs. */
  assistantVersion: number;
  input: unknown;
  /** When it first started running (durations count from there). */
  startedAt: Date;
  /** Someone asked to cancel it while it waited. */
  cancelRequestedBy: string | null;
  /** Milliseconds from its creation to this claim (the database's clock). */
  waitedMs: number;
  /** Whether this worker holds its session lock (false on PGlite, or while an old worker still holds it). */
  locked: boolean;
}

type ClaimRow = {
  id: number;
  claims: number;
  attempts: number;
  user_id: number;
  is_admin: boolean;
  assistant_id: number;
  assistant_version: number;
  input: unknown;
  started_at: Date;
  cancel_requested_by: string | null;
  turn: string | number;
  waited_ms: number;
  locked?: boolean;
};

/**
 * The claim, in one statement: the oldest waiting executions, each person's taking turns with
 * the others' (a person's first waiting one counts their running ones as turns already had), so
 * no one's burst holds back everyone else. SKIP LOCKED lets every worker claim at once. On a
 * server the session lock is taken in the same statement, so no one ever sees it running
 * without its lock. Exported for the queue benchmark, which times it alone.
 */
export function claimSql(withLock: boolean): string {
  return `
    WITH busy AS (
      SELECT user_id, count(*) AS running FROM executions WHERE status = 'running' GROUP BY user_id
    ), turns AS (
      -- Each waiting execution's turn, looked up by id below. Not a join: the planner's estimate
      -- of waiting rows is lowest exactly when a backlog builds, and a nested loop over it would
      -- cost (waiting rows)² per claim.
      SELECT jsonb_object_agg(ranked.id::text, ranked.turn) AS of_id FROM (
        SELECT e.id, COALESCE(b.running, 0) + row_number() OVER (PARTITION BY e.user_id ORDER BY e.id) AS turn
        FROM executions e LEFT JOIN busy b ON b.user_id = e.user_id
        WHERE e.status = 'pending'
      ) ranked
    ), picked AS (
      SELECT e.id, ((SELECT of_id FROM turns) ->> e.id::text)::bigint AS turn FROM executions e
      WHERE e.status = 'pending'
      ORDER BY 2, e.id
      LIMIT $2
      FOR UPDATE OF e SKIP LOCKED
    )
    UPDATE executions e
    SET status = 'running', worker_id = $1, heartbeat_at = now(), started_at = COALESCE(e.started_at, now()),
        attempts = e.attempts + 1, claims = e.claims + 1
    FROM picked WHERE e.id = picked.id
    RETURNING e.id, e.claims, e.attempts, e.user_id, e.assistant_id, e.assistant_version, e.input, e.started_at, e.cancel_requested_by, picked.turn,
      (EXTRACT(EPOCH FROM clock_timestamp() - e.created_at) * 1000)::float8 AS waited_ms,
      (SELECT u.role = 'admin' FROM users u WHERE u.id = e.user_id) AS is_admin
      ${withLock ? `, pg_try_advisory_lock(${EXECUTION_LOCK_CLASS}, e.id) AS locked` : ''}`;
}

function toClaimed(row: ClaimRow): ClaimedExecution {
  return {
    id: row.id,
    claim: row.claims,
    attempt: row.attempts,
    userId: row.user_id,
    isAdmin: row.is_admin,
    assistantId: row.assistant_id,
    assistantVersion: row.assistant_version,
    input: row.input,
    startedAt: row.started_at,
    cancelRequestedBy: row.cancel_requested_by,
    waitedMs: Number(row.waited_ms),
    locked: row.locked ?? false,
  };
}

/** What wakes a worker: work was queued, or someone asked to cancel an execution. */
export type QueueSignal = { kind: 'work' } | { kind: 'cancel'; executionId: number };

export interface ExecutionQueueOptions {
  prisma: PrismaClient;
  /** A server database: workers hold session locks on a connection of their own and LISTEN for work. */
  connectionString?: string | undefined;
  /** Names the worker's session in `pg_stat_activity` (`aae-worker-<name>`). */
  workerName?: string;
  logger?: Pick<Console, 'info' | 'warn' | 'error'>;
  reconnectMs?: number;
}

/**
 * The execution queue: PostgreSQL rows claimed with FOR UPDATE SKIP LOCKED. Any process may
 * enqueue and cancel; a worker process claims, holds a session lock per running execution (its
 * death releases them, which is how other workers notice in seconds), renews leases, hands back.
 */
export function createExecutionQueue(options: ExecutionQueueOptions) {
  const { prisma } = options;
  const logger = options.logger ?? console;
  const signals = new EventEmitter<{ signal: [QueueSignal] }>();
  const reconnectMs = options.reconnectMs ?? 1_000;
  /** The worker session (a server database only), opened by the first claim. */
  let session: pg.Client | null = null;
  let connecting: Promise<pg.Client> | null = null;
  let closed = false;
  /** Executions whose session lock this process holds (none after its session dropped). */
  const held = new Set<number>();
  /**
   * The worker session's queries, one after another: a claim and a finished run's unlock may
   * come at once, and `pg` only queues overlapping queries on one client with a deprecation
   * warning (pg 9 refuses them).
   */
  let sessionTail: Promise<unknown> = Promise.resolve();
  function onSession<T>(run: () => Promise<T>): Promise<T> {
    const next = sessionTail.then(run);
    sessionTail = next.catch(() => {});
    return next;
  }

  function onNotification(payload: string | undefined) {
    const match = /^cancel:(\d+)$/.exec(payload ?? '');
    signals.emit('signal', match ? { kind: 'cancel', executionId: Number(match[1]) } : { kind: 'work' });
  }

  /** One reconnect at a time, backing off while the database stays away. */
  let reconnectTimer: NodeJS.Timeout | null = null;
  let failures = 0;
  function scheduleReconnect(): void {
    if (closed || reconnectTimer) return;
    const delay = Math.min(reconnectMs * 2 ** Math.min(failures, 5), 30_000);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      void sessionClient().catch(() => {});
    }, delay).unref();
  }

  async function connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: options.connectionString,
      application_name: `aae-worker-${options.workerName ?? process.pid}`.slice(0, 63),
      keepAlive: true,
      // A database that does not answer is an error in seconds, not a connect hanging for minutes.
      connectionTimeoutMillis: 10_000,
    });
    client.on('notification', (message) => onNotification(message.payload));
    client.on('error', (error) => logger.warn(`[queue] worker session error: ${String(error)}`));
    try {
      await client.connect();
      await client.query(`LISTEN ${QUEUE_CHANNEL}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      throw error;
    }
    client.on('end', () => {
      if (session !== client) return;
      session = null;
      if (closed) return;
      // Its locks went with it. Its executions stay its own while its heartbeats (through the
      // pool) go on: other workers take one over only when its lock is gone AND its lease is old.
      // Not taken again on reconnect, should another worker have claimed one meanwhile.
      logger.warn(`[queue] worker session lost with ${held.size} execution lock(s); its leases keep them; reconnecting`);
      held.clear();
      scheduleReconnect();
    });
    return client;
  }

  function sessionClient(): Promise<pg.Client> {
    if (session) return Promise.resolve(session);
    if (closed) return Promise.reject(new Error('The execution queue is closed'));
    connecting ??= connect()
      .then((client) => {
        session = client;
        failures = 0;
        // Work may have been queued while no one listened.
        signals.emit('signal', { kind: 'work' });
        return client;
      })
      .catch((error: unknown) => {
        failures++;
        if (failures <= 3 || failures % 10 === 0) logger.warn(`[queue] could not open the worker session (attempt ${failures}): ${String(error)}`);
        scheduleReconnect();
        throw error;
      })
      .finally(() => {
        connecting = null;
      });
    return connecting;
  }

  /**
   * Runs an UPDATE of a running execution this worker holds; on a server, on the worker session
   * with the lock let go in its RETURNING, so the row lock covers the moment the lock goes. True
   * when it changed the row.
   */
  async function changeRunning(executionId: number, update: string, params: unknown[]): Promise<boolean> {
    if (options.connectionString && held.has(executionId) && session) {
      const client = session;
      held.delete(executionId);
      const rowCount = await onSession(async () => {
        try {
          const result = await client.query(`${update} RETURNING pg_advisory_unlock(${EXECUTION_LOCK_CLASS}, id)`, params);
          // The claim was lost: the lock goes all the same.
          if (!result.rowCount) await client.query('SELECT pg_advisory_unlock($1, $2)', [EXECUTION_LOCK_CLASS, executionId]);
          return result.rowCount;
        } catch (error) {
          await client.query('SELECT pg_advisory_unlock($1, $2)', [EXECUTION_LOCK_CLASS, executionId]).catch(() => {});
          throw error;
        }
      });
      return (rowCount ?? 0) > 0;
    }
    return (await prisma.$executeRawUnsafe(update, ...params)) > 0;
  }

  async function notify(payload: string): Promise<void> {
    // In this process at once; other processes through the database (a server database only).
    onNotification(payload);
    if (options.connectionString) await prisma.$executeRaw`SELECT pg_notify(${QUEUE_CHANNEL}, ${payload})`;
  }

  return {
    /** Whether workers hold session locks (a server database), so a dead one is noticed in seconds. */
    usesSessionLocks: Boolean(options.connectionString),

    /** Work was queued, or a cancellation was asked for: this process's worker, and every other's. */
    onSignal(listener: (signal: QueueSignal) => void): () => void {
      signals.on('signal', listener);
      return () => signals.off('signal', listener);
    },

    /** Opens the worker session (a server database): LISTEN for work before the first claim. */
    async listen(): Promise<void> {
      if (options.connectionString) await sessionClient();
    },

    /** Tells workers there is work. */
    notifyWork: () => notify(''),

    /** Tells the worker running it that someone asked to cancel it. */
    notifyCancel: (executionId: number) => notify(`cancel:${executionId}`),

    /** Claims up to `limit` waiting executions for `workerId`, fairly and oldest first. */
    async claim(workerId: string, limit: number): Promise<ClaimedExecution[]> {
      if (limit <= 0) return [];
      let rows: ClaimRow[];
      if (options.connectionString) {
        const client = await sessionClient();
        rows = await onSession(async () => {
          const claimed = (await client.query<ClaimRow>(claimSql(true), [workerId, limit])).rows;
          for (const row of claimed) {
            if (!row.locked) continue;
            // Already held by an earlier run here (advisory locks count): kept once, not twice.
            if (held.has(row.id)) await client.query('SELECT pg_advisory_unlock($1, $2)', [EXECUTION_LOCK_CLASS, row.id]);
            held.add(row.id);
          }
          return claimed;
        });
      } else {
        rows = await prisma.$queryRawUnsafe<ClaimRow[]>(claimSql(false), workerId, limit);
      }
      return rows.sort((a, b) => Number(a.turn) - Number(b.turn) || a.id - b.id).map(toClaimed);
    },

    /**
     * Lets go of an execution's session lock, when its run ended without `finish` or `handBack`
     * (it lost its claim, or crashed: then other workers see it interrupted and resume it).
     */
    async release(executionId: number): Promise<void> {
      if (!held.delete(executionId) || !session) return;
      const client = session;
      await onSession(() => client.query('SELECT pg_advisory_unlock($1, $2)', [EXECUTION_LOCK_CLASS, executionId]));
    },

    /**
     * Takes the session lock of an execution claimed while another (hung) worker still held it,
     * once that one lets go: true once held, false once `stillRunning` says the run is over.
     */
    async lockWhenFree(executionId: number, stillRunning: () => boolean, retryMs = 250): Promise<boolean> {
      if (!options.connectionString) return false;
      while (stillRunning() && !closed) {
        try {
          const client = await sessionClient();
          const taken = await onSession(async () => {
            const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [EXECUTION_LOCK_CLASS, executionId]);
            if (!rows[0]?.locked) return null;
            if (stillRunning()) {
              held.add(executionId);
              return true;
            }
            await client.query('SELECT pg_advisory_unlock($1, $2)', [EXECUTION_LOCK_CLASS, executionId]);
            return false;
          });
          if (taken !== null) return taken;
        } catch {
          // The session is reconnecting: try again.
        }
        await new Promise((resolve) => setTimeout(resolve, retryMs));
      }
      return false;
    },

    /**
     * Records how a run ended, while `claim` holds, and lets go of its session lock in the same
     * statement: no one ever sees it running without its lock. False when the claim was lost.
     */
    async finish(
      executionId: number,
      claim: number,
      outcome: { status: 'completed' | 'failed'; totalTokens: number; error?: string | undefined },
    ): Promise<boolean> {
      return changeRunning(
        executionId,
        `UPDATE executions SET status = $3::execution_status, total_tokens = $4, error = $5, finished_at = now()
         WHERE id = $1 AND claims = $2 AND status = 'running' AND orphaned_at IS NULL`,
        [executionId, claim, outcome.status, outcome.totalTokens, outcome.error === undefined ? null : storable(outcome.error)],
      );
    },

    /**
     * Renews the leases of the executions this worker runs under these claims. Returns those
     * whose cancellation was asked for (with who asked), and those it no longer holds (another
     * worker took them over, or they were closed): their runs must stop without writing.
     */
    async heartbeat(
      runs: ReadonlyArray<{ id: number; claim: number }>,
      workerId: string,
    ): Promise<{ cancelled: Array<{ id: number; by: string }>; lost: number[] }> {
      if (runs.length === 0) return { cancelled: [], lost: [] };
      // In id order, as every worker does: two renewing overlapping rows cannot deadlock.
      runs = [...runs].sort((a, b) => a.id - b.id);
      const renewed = await prisma.$queryRaw<Array<{ id: number; cancel_requested_by: string | null; cancel_requested_at: Date | null }>>`
        UPDATE executions e SET heartbeat_at = now()
        FROM unnest(${runs.map((run) => run.id)}::int[], ${runs.map((run) => run.claim)}::int[]) AS mine(id, claim)
        WHERE e.id = mine.id AND e.claims = mine.claim AND e.worker_id = ${workerId} AND e.status = 'running'
        RETURNING e.id, e.cancel_requested_by, e.cancel_requested_at`;
      const kept = new Set(renewed.map((row) => row.id));
      return {
        cancelled: renewed.filter((row) => row.cancel_requested_at).map((row) => ({ id: row.id, by: row.cancel_requested_by ?? 'someone' })),
        lost: runs.filter((run) => !kept.has(run.id)).map((run) => run.id),
      };
    },

    /**
     * Puts an execution this worker stopped on shutdown back in the queue, not counted as an
     * attempt; another worker resumes it. False when the claim was no longer this worker's.
     */
    async handBack(executionId: number, claim: number): Promise<boolean> {
      return changeRunning(
        executionId,
        `UPDATE executions SET status = 'pending', worker_id = NULL, attempts = GREATEST(attempts - 1, 0), claims = claims + 1
         WHERE id = $1 AND claims = $2 AND status = 'running'`,
        [executionId, claim],
      );
    },

    /**
     * Cancels an execution still waiting in the queue: its one terminal event, a recoverable
     * `execution-error` naming who cancelled it, written with its closing. Null when it is not
     * waiting (a worker has it, or it finished): the worker stops it on its next heartbeat.
     */
    async cancelQueued(executionId: number, by: string): Promise<StoredEvent[] | null> {
      return prisma.$transaction(
        async (tx) => {
          const [row] = await tx.$queryRaw<Array<{ id: number }>>`
            SELECT id FROM executions WHERE id = ${executionId} AND status = 'pending' FOR UPDATE SKIP LOCKED`;
          if (!row) return null;
          const last = await createEventStore(tx).lastEvent(executionId);
          return closeWithError(tx, executionId, last, { error: `Execution was cancelled by ${by}` });
        },
        { maxWait: 15_000, timeout: 60_000 },
      );
    },

    /** How many wait, and how long the oldest has waited (milliseconds), for health and metrics. */
    async depth(): Promise<{ queued: number; oldestWaitMs: number }> {
      const [row] = await prisma.$queryRaw<Array<{ queued: bigint; oldest_ms: number | null }>>`
        SELECT count(*) AS queued, EXTRACT(EPOCH FROM now() - min(created_at)) * 1000 AS oldest_ms
        FROM executions WHERE status = 'pending'`;
      return { queued: Number(row?.queued ?? 0), oldestWaitMs: Math.round(Number(row?.oldest_ms ?? 0)) };
    },

    async close(): Promise<void> {
      closed = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      held.clear();
      const client = session ?? (await connecting?.catch(() => null));
      session = null;
      await client?.end().catch(() => {});
    },
  };
}

export type ExecutionQueue = ReturnType<typeof createExecutionQueue>;
