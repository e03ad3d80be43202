import type { AuditLog, PrismaClient, User } from '@aae/db';
import { RateLimiterPrisma, RateLimiterRes } from 'rate-limiter-flexible';

/** How much one person, and the installation, may use at once. 0 turns a limit off. */
export interface UsageLimitSettings {
  /** Executions one person may start per minute (counted across processes). */
  executionsPerMinute: number;
  /** Executions of one person queued (pending) or running at once. */
  runningPerPerson: number;
  /** Executions of everyone queued (pending) or running at once. */
  runningInAll: number;
  /** Live streams one person may hold open on one process. */
  streamsPerPerson: number;
  /** Document imports of one person running at once. */
  importsPerPerson: number;
  /** Document imports of everyone running at once. */
  importsInAll: number;
  /** How long an import refused for one person's running imports is asked to wait (`Retry-After`), in seconds. */
  importRetryAfterSeconds: number;
}

export const DEFAULT_USAGE_LIMITS: UsageLimitSettings = {
  executionsPerMinute: 30,
  runningPerPerson: 10,
  runningInAll: 100,
  streamsPerPerson: 100,
  importsPerPerson: 3,
  importsInAll: 10,
  importRetryAfterSeconds: 30,
};

/** A limit was reached: answered with 429 and `Retry-After`. */
export class LimitReachedError extends Error {
  override name = 'LimitReachedError';
  constructor(
    message: string,
    readonly limit: keyof UsageLimitSettings,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** Runs the tasks given to it one after another, each after the last has settled. */
function oneAtATime() {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = last.then(task);
    last = run.catch(() => {});
    return run;
  };
}

/** How long a start refused for too many running executions is refused again without counting them. */
const RUNNING_RECHECK_MS = 1_000;

/** A refusal goes to the audit log once per person and limit in this long, so admins see who is limited. */
const AUDIT_EVERY_MS = 60_000;

/**
 * The per-person and installation limits: checked before an execution starts and as a stream
 * opens. rate-limiter-flexible counts starts in the database (shared by every process); running
 * executions are counted there too; open streams are counted in this process.
 */
export function createUsageLimits(deps: { prisma: PrismaClient; audit: AuditLog; settings?: Partial<UsageLimitSettings> | undefined }) {
  const settings = { ...DEFAULT_USAGE_LIMITS, ...deps.settings };
  const starts =
    settings.executionsPerMinute > 0
      ? new RateLimiterPrisma({
          storeClient: deps.prisma,
          tableName: 'rateLimit',
          keyPrefix: 'executions-started',
          points: settings.executionsPerMinute,
          duration: 60,
        })
      : null;
  const streams = new Map<number, number>();
  const startsBlocked = new Map<number, { until: number; refusal(waitSeconds: number): LimitReachedError }>();
  const audited = new Map<string, number>();

  async function refuse(user: User, error: LimitReachedError): Promise<never> {
    const key = `${error.limit}:${user.id}`;
    const now = Date.now();
    if ((audited.get(key) ?? 0) < now - AUDIT_EVERY_MS) {
      audited.delete(key);
      audited.set(key, now);
      // Oldest first: what is past the interval is forgotten.
      for (const [old, at] of audited) {
        if (at >= now - AUDIT_EVERY_MS) break;
        audited.delete(old);
      }
      await deps.audit
        .record({ action: 'rate-limited', actorId: user.id, subjectId: user.id, subject: user.email, details: { limit: error.limit } })
        .catch(() => {});
    }
    throw error;
  }

  /** Starts checked and created one after another in this process (see `startExecution`). */
  const startsInTurn = oneAtATime();
  const importsInTurn = oneAtATime();

  return {
    settings,

    /**
     * Checks the limits for a start of `user`, then runs `create` (which makes the execution
     * pending), one start at a time in this process: the running counts include every start
     * before it. Processes sharing a database may still overlap by the starts in flight.
     */
    startExecution<T>(user: User, create: () => Promise<T>): Promise<T> {
      return startsInTurn(async () => {
        await this.beforeExecution(user);
        return create();
      });
    },

    /** Before an execution of `user` starts: within the running counts, then the start rate (a refused start does not count). */
    async beforeExecution(user: User): Promise<void> {
      // A refused person is refused again from memory for a while (until the minute's starts
      // renew; a second when too many run): a flood of starts costs no database work.
      const blocked = startsBlocked.get(user.id);
      if (blocked && blocked.until > Date.now()) {
        const wait = Math.max(1, Math.ceil((blocked.until - Date.now()) / 1000));
        await refuse(user, blocked.refusal(wait));
      }
      startsBlocked.delete(user.id);
      const block = async (ms: number, refusal: (waitSeconds: number) => LimitReachedError): Promise<never> => {
        for (const [userId, { until }] of startsBlocked) if (until <= Date.now()) startsBlocked.delete(userId);
        startsBlocked.set(user.id, { until: Date.now() + ms, refusal });
        return refuse(user, refusal(Math.max(1, Math.ceil(ms / 1000))));
      };
      if (settings.runningPerPerson > 0 || settings.runningInAll > 0) {
        const [counts] = await deps.prisma.$queryRaw<Array<{ mine: bigint; all: bigint }>>`
          SELECT count(*) FILTER (WHERE user_id = ${user.id}) AS mine, count(*) AS all
          FROM executions WHERE status IN ('pending', 'running')`;
        const mine = Number(counts?.mine ?? 0);
        const all = Number(counts?.all ?? 0);
        if (settings.runningPerPerson > 0 && mine >= settings.runningPerPerson) {
          await block(
            RUNNING_RECHECK_MS,
            () => new LimitReachedError(`You have ${mine} executions running, the most one person may; wait for one to finish`, 'runningPerPerson', 5),
          );
        }
        if (settings.runningInAll > 0 && all >= settings.runningInAll) {
          await block(
            RUNNING_RECHECK_MS,
            () => new LimitReachedError(`The server is running ${all} executions, the most it takes at once; try again shortly`, 'runningInAll', 5),
          );
        }
      }
      if (starts) {
        try {
          await starts.consume(String(user.id));
        } catch (error) {
          if (!(error instanceof RateLimiterRes)) throw error;
          await block(
            error.msBeforeNext,
            (wait) =>
              new LimitReachedError(
                `You started ${settings.executionsPerMinute} executions in the last minute; try again in ${wait} s`,
                'executionsPerMinute',
                wait,
              ),
          );
        }
      }
    },

    /**
     * Refuses when `user`, or everyone, has as many imports running (`countRunning`) as allowed.
     * Alone, a cheap early answer before a costly step (reading PDFs); `startImport` checks again.
     */
    async checkImports(user: User, countRunning: () => Promise<{ mine: number; all: number }>): Promise<void> {
      if (settings.importsPerPerson === 0 && settings.importsInAll === 0) return;
      const { mine, all } = await countRunning();
      if (settings.importsPerPerson > 0 && mine >= settings.importsPerPerson) {
        await refuse(
          user,
          new LimitReachedError(
            `You have ${mine} document imports running, the most one person may; wait for one to finish`,
            'importsPerPerson',
            settings.importRetryAfterSeconds,
          ),
        );
      }
      if (settings.importsInAll > 0 && all >= settings.importsInAll) {
        await refuse(
          user,
          new LimitReachedError(`The server is running ${all} document imports, the most it takes at once; try again in a minute`, 'importsInAll', 60),
        );
      }
    },

    /**
     * Checks how many imports of `user` run (`countRunning`), then runs `start`, one import at a
     * time in this process, as `startExecution` does for executions.
     */
    startImport<T>(user: User, countRunning: () => Promise<{ mine: number; all: number }>, start: () => Promise<T>): Promise<T> {
      return importsInTurn(async () => {
        await this.checkImports(user, countRunning);
        return start();
      });
    },

    /** As a stream of `user` opens: what releases its place when it ends. */
    async openStream(user: User): Promise<() => void> {
      const open = streams.get(user.id) ?? 0;
      if (settings.streamsPerPerson > 0 && open >= settings.streamsPerPerson) {
        await refuse(
          user,
          new LimitReachedError(`You have ${open} live streams open, the most one person may; close some (other tabs?)`, 'streamsPerPerson', 5),
        );
      }
      streams.set(user.id, open + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (streams.get(user.id) ?? 1) - 1;
        if (left > 0) streams.set(user.id, left);
        else streams.delete(user.id);
      };
    },
  };
}

export type UsageLimits = ReturnType<typeof createUsageLimits>;
