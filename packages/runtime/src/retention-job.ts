import type { AuditLog, RetentionStore, RetentionSweepResult } from '@aae/db';

export interface RetentionJobDeps {
  retention: RetentionStore;
  audit: AuditLog;
  /** How often a worker sweeps (default ten minutes). */
  sweepMs?: number;
  /** The first sweep, this long after the worker starts (default five seconds). */
  firstSweepMs?: number;
  /** Executions deleted per transaction (default 500). */
  batchSize?: number;
  logger?: Pick<Console, 'info' | 'warn' | 'error'>;
}

/** Running totals since the process started. */
export interface RetentionStats {
  sweeps: number;
  executionsDeleted: number;
  eventsDeleted: number;
  failures: number;
  lastSweepAt: Date | null;
}

/** Who asked for a sweep: an admin (`runNow`) or nobody (the schedule). */
export interface SweepRequest {
  actorId?: number | null;
  ipAddress?: string | null;
  userAgent?: string | null;
}

const DEFAULT_SWEEP_MS = 10 * 60_000;
const DEFAULT_FIRST_SWEEP_MS = 5_000;

/**
 * Deletes what the retention policies no longer keep, on a schedule in worker processes and on
 * an admin's request. Sweeps in one process never overlap; sweeps of several processes take
 * different rows. A sweep that deleted something is written to the audit log.
 */
export class RetentionJob {
  private readonly logger: Pick<Console, 'info' | 'warn' | 'error'>;
  private readonly stats: RetentionStats = { sweeps: 0, executionsDeleted: 0, eventsDeleted: 0, failures: 0, lastSweepAt: null };
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<RetentionSweepResult> | null = null;
  private readonly stopping = new AbortController();

  constructor(private readonly deps: RetentionJobDeps) {
    this.logger = deps.logger ?? console;
  }

  /** Sweeps soon, then every `sweepMs`, until `stop`. */
  start(): void {
    if (this.timer) return;
    const every = this.deps.sweepMs ?? DEFAULT_SWEEP_MS;
    const schedule = (delayMs: number) => {
      this.timer = setTimeout(() => {
        void this.sweepOnSchedule().finally(() => {
          if (this.timer) schedule(every);
        });
      }, delayMs).unref();
    };
    schedule(Math.min(this.deps.firstSweepMs ?? DEFAULT_FIRST_SWEEP_MS, every));
  }

  /** No more sweeps; one under way ends after its current transaction. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.stopping.abort();
    await this.sweeping?.catch(() => undefined);
  }

  /**
   * One sweep now; resolves with what it deleted. The schedule joins a sweep under way; a person's
   * request waits for it to end and then sweeps on its own, so the audit log names them and the
   * sweep sees the policies as they are now.
   */
  runNow(request: SweepRequest = {}): Promise<RetentionSweepResult> {
    const underWay = this.sweeping;
    if (underWay && request.actorId === undefined) return underWay;
    const sweep: Promise<RetentionSweepResult> = (underWay ? underWay.then(noop, noop) : Promise.resolve())
      .then(() => this.sweep(request))
      .finally(() => {
        if (this.sweeping === sweep) this.sweeping = null;
      });
    this.sweeping = sweep;
    return sweep;
  }

  /** Totals since start, for metrics. */
  getStats(): RetentionStats {
    return { ...this.stats };
  }

  private async sweepOnSchedule(): Promise<void> {
    try {
      await this.runNow();
    } catch (error) {
      this.logger.warn(`[retention] sweep failed: ${String(error)}`);
    }
  }

  private async sweep(request: SweepRequest): Promise<RetentionSweepResult> {
    const startedAt = Date.now();
    let result: RetentionSweepResult;
    try {
      result = await this.deps.retention.sweep({ batchSize: this.deps.batchSize, signal: this.stopping.signal });
    } catch (error) {
      this.stats.failures++;
      throw error;
    }
    this.stats.sweeps++;
    this.stats.executionsDeleted += result.executions;
    this.stats.eventsDeleted += result.events;
    this.stats.lastSweepAt = new Date();
    if (result.executions > 0) await this.record(result, request, Date.now() - startedAt);
    return result;
  }

  private async record(result: RetentionSweepResult, request: SweepRequest, durationMs: number): Promise<void> {
    this.logger.info(`[retention] deleted ${result.executions} execution(s) and ${result.events} event(s) in ${result.batches} batch(es), ${durationMs} ms`);
    await this.deps.audit.record({
      action: 'retention-swept',
      actorId: request.actorId ?? null,
      ipAddress: request.ipAddress ?? null,
      userAgent: request.userAgent ?? null,
      details: {
        executions: result.executions,
        events: result.events,
        batches: result.batches,
        durationMs,
        policies: result.byPolicy.map(({ assistantId, keepDays, executions, events }) => ({ assistantId, keepDays, executions, events })),
      },
    });
  }
}

function noop(): void {}
