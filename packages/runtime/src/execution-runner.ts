import { randomUUID } from 'node:crypto';
import {
  createEventRecorder,
  outcomeOf,
  recoverInterruptedExecutions,
  SYSTEM_VIEWER,
  type AssistantRepository,
  type ClaimedExecution,
  type EventStore,
  type EventWriteBuffer,
  type ExecutionQueue,
  type ExecutionRepository,
  type PrismaClient,
  type RecoveredExecutions,
  type Viewer,
} from '@aae/db';
import { isTerminalEventType, type StoredEvent } from '@aae/events';
import {
  CancelledError,
  runAssistant,
  scopedResponseCache,
  type EngineLimits,
  type KnowledgeSearch,
  type ModelRegistry,
  type ResponseCache,
  type ToolRegistry,
} from '@aae/engine';
import { z } from 'zod';

export interface ExecutionRunnerDeps {
  /** This worker among the others (`executions.worker_id`); a random one when absent. */
  workerId?: string;
  prisma: PrismaClient;
  executions: ExecutionRepository;
  assistants: AssistantRepository;
  events: EventStore;
  queue: ExecutionQueue;
  buffer: EventWriteBuffer;
  models: ModelRegistry;
  tools: ToolRegistry;
  /** Searches as someone: a run reads only the repositories its runner may read. */
  knowledge?: { search(request: Parameters<KnowledgeSearch['search']>[0] & { viewer: Viewer }): ReturnType<KnowledgeSearch['search']> } | undefined;
  cache?: ResponseCache | undefined;
  limits?: Partial<EngineLimits> | undefined;
  /** Publishes events written outside the buffer (closing errors of recovery and cancels). */
  publish(events: readonly StoredEvent[]): void;
  /** Live text as models write it. */
  publishOutput(delta: { executionId: number; promptId: number; text: string }): void;
  logger?: Pick<Console, 'info' | 'warn' | 'error'>;
  /** Executions this process runs at once (`WORKER_CONCURRENCY`). */
  concurrency?: number;
  /** Runs of one execution, interrupted ones included, before it is closed instead of resumed. */
  maxAttempts?: number;
  /** How often this process renews the leases of the executions it runs (and picks up cancellations). */
  heartbeatMs?: number;
  /** A lease older than this marks its execution as interrupted even while its lock is held (a hung process). */
  staleAfterMs?: number;
  /** How often to look for executions whose worker died. */
  sweepMs?: number;
  /** How often to look for queued work besides being told (a NOTIFY lost on a dropped connection). */
  pollMs?: number;
}

/** What a worker counts, for health and benchmarks. */
export interface WorkerStats {
  running: number;
  concurrency: number;
  claimed: number;
  resumed: number;
  handedBack: number;
  /** Runs stopped because another worker took their execution over. */
  lost: number;
  /** Milliseconds from queued to claimed, of the last claims (at most 1,000). */
  recentWaitsMs: number[];
}

interface Run {
  claimed: ClaimedExecution;
  controller: AbortController;
  /** Another worker took it over, or it was closed: nothing more of this run is written. */
  lost: boolean;
  /** Stopped on shutdown and put back in the queue: what this run still emits is dropped. */
  handedBack: boolean;
  /** Writing how it ended: a lease renewal that misses it now is not a loss. */
  finishing: boolean;
  done: Promise<void>;
}

const inputSchema = z.record(z.string(), z.string());

/** Why a run stops when its process shuts down: it is handed back, not failed. */
class HandBack extends Error {
  override name = 'HandBack';
}

/**
 * The worker of this process: claims queued executions (at most `concurrency` at once, fairly,
 * oldest first), runs them, renews their leases, and notices executions whose worker died —
 * their session lock is gone, or their lease expired — to queue them again. A claimed execution
 * that had run before resumes from its last completed prompt. Events flow through the recorder
 * into the write buffer, never awaited by the run.
 */
export class ExecutionRunner {
  readonly workerId: string;
  readonly concurrency: number;
  readonly maxAttempts: number;
  readonly staleAfterMs: number;
  private readonly running = new Map<number, Run>();
  private readonly logger: Pick<Console, 'info' | 'warn' | 'error'>;
  private readonly timers: NodeJS.Timeout[] = [];
  private heartbeatTimer: NodeJS.Timeout | null = null;
  readonly heartbeatMs: number;
  private working = false;
  private draining = false;
  private paused = false;
  private filling: Promise<void> | null = null;
  private fillAgain = false;
  private unsubscribe: (() => void) | null = null;
  private readonly finishedListeners = new Set<(executionId: number) => void>();
  private readonly claimListeners = new Set<(waitedMs: number) => void>();
  private readonly stats = { claimed: 0, resumed: 0, handedBack: 0, lost: 0 };
  private readonly recentWaitsMs: number[] = [];

  constructor(private readonly deps: ExecutionRunnerDeps) {
    this.logger = deps.logger ?? console;
    this.concurrency = Math.max(1, deps.concurrency ?? 16);
    this.maxAttempts = Math.max(1, deps.maxAttempts ?? 3);
    this.staleAfterMs = deps.staleAfterMs ?? 60_000;
    this.heartbeatMs = deps.heartbeatMs ?? 2_000;
    this.workerId = deps.workerId ?? randomUUID();
  }

  /**
   * Starts working: queues again what a dead worker left (on the embedded database, whatever
   * its previous run of this process left), then claims, renews leases and sweeps.
   */
  async startWorking(): Promise<RecoveredExecutions> {
    if (this.working) return { requeued: [], closed: [], settled: [], events: [] };
    this.working = true;
    const { queue } = this.deps;
    this.unsubscribe = queue.onSignal((signal) => {
      if (signal.kind === 'work') void this.fill();
      else if (this.running.has(signal.executionId)) void this.renewLeases();
    });
    await queue.listen();
    // The embedded database belongs to this process alone: whatever runs was left by its previous run.
    const recovered = await this.recoverInterrupted(queue.usesSessionLocks ? undefined : 0);
    const sweepMs = this.deps.sweepMs ?? 2_000;
    const pollMs = this.deps.pollMs ?? 5_000;
    // Kept through a drain: what still runs keeps its lease and hears of cancellations.
    this.heartbeatTimer = setInterval(() => void this.renewLeases(), this.heartbeatMs).unref();
    this.timers.push(
      setInterval(() => {
        // On the embedded database, not while a claim is being launched: its rows are running
        // before they are listed here.
        if (!queue.usesSessionLocks && this.filling) return;
        this.recoverInterrupted(queue.usesSessionLocks ? undefined : 0).catch((error: unknown) =>
          this.logger.warn(`[worker] looking for interrupted executions failed: ${String(error)}`),
        );
      }, sweepMs).unref(),
    );
    this.timers.push(setInterval(() => void this.fill(), pollMs).unref());
    void this.fill();
    return recovered;
  }

  /** An execution was queued here: claim it now rather than at the next notification. */
  wake(): void {
    void this.fill();
  }

  /** Stops claiming (what runs goes on) until `resume`: other workers take the queue meanwhile. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    void this.fill();
  }

  isRunning(executionId: number): boolean {
    return this.running.has(executionId);
  }

  getStats(): WorkerStats {
    return { running: this.running.size, concurrency: this.concurrency, ...this.stats, recentWaitsMs: [...this.recentWaitsMs] };
  }

  /** Calls `listener` with how long each execution this worker claims waited in the queue (milliseconds), as its run starts. */
  onClaimed(listener: (waitedMs: number) => void): () => void {
    this.claimListeners.add(listener);
    return () => this.claimListeners.delete(listener);
  }

  /** Calls `listener` with each execution whose run in this process ended. */
  onFinished(listener: (executionId: number) => void): () => void {
    this.finishedListeners.add(listener);
    return () => this.finishedListeners.delete(listener);
  }

  /**
   * Resolves when the execution has finished, whichever process runs it: at once when its run
   * here ends, otherwise when the database says so.
   */
  async waitFor(executionId: number): Promise<void> {
    for (;;) {
      const run = this.running.get(executionId);
      if (run) await run.done;
      const row = await this.deps.prisma.execution.findUnique({ where: { id: executionId }, select: { status: true } });
      if (!row || row.status === 'completed' || row.status === 'failed') return;
      // Queued or running elsewhere: the next run here ending, or a short wait, whichever first.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 50);
        const stop = this.onFinished(done);
        function done() {
          clearTimeout(timer);
          stop();
          resolve();
        }
      });
    }
  }

  /**
   * Stops a run of this process at its next safe point; it ends with a recoverable
   * `execution-error` naming who cancelled it. False when this process is not running it.
   */
  cancel(executionId: number, by: string): boolean {
    const run = this.running.get(executionId);
    if (!run) return false;
    if (!run.controller.signal.aborted) run.controller.abort(new CancelledError(by));
    return true;
  }

  /**
   * Stops claiming, lets running executions finish for up to `deadlineMs` (without one, for as
   * long as they take), then hands the rest back to the queue: another worker resumes each from
   * its last completed prompt.
   */
  async drain(deadlineMs?: number): Promise<{ finished: number; handedBack: number }> {
    this.stopTimers();
    this.draining = true;
    // A claim under way when the drain began: what it took is running (and handed back with the
    // rest), rather than launched after the queue closed.
    await this.filling;
    const runs = [...this.running.values()];
    const all = Promise.all(runs.map((run) => run.done));
    if (deadlineMs === undefined) {
      await all;
    } else {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)))]);
      clearTimeout(timer);
    }
    const left = [...this.running.values()];
    for (const run of left) {
      run.handedBack = true;
      run.controller.abort(new HandBack('This worker is shutting down'));
    }
    await Promise.all(left.map((run) => run.done));
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    return { finished: runs.length - left.length, handedBack: left.length };
  }

  /** Stops working: lets every run finish, or with `handBack` returns them to the queue at once. */
  async stopAll(options: { handBack?: boolean } = {}): Promise<void> {
    await this.drain(options.handBack ? 0 : undefined);
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.working = false;
  }

  /**
   * Queues again executions whose worker died (their session lock is gone, or their lease is
   * older than `staleAfterMs`; 0 takes every running one not run here), or past the attempts cap
   * closes them with one recoverable `execution-error`.
   */
  async recoverInterrupted(staleAfterMs = this.staleAfterMs): Promise<RecoveredExecutions> {
    const recovered = await recoverInterruptedExecutions(this.deps.prisma, {
      staleAfterMs,
      checkLocks: this.deps.queue.usesSessionLocks,
      // Two missed heartbeats and a second: a live worker whose session dropped keeps its runs.
      lockGraceMs: 2 * this.heartbeatMs + 1_000,
      excludeIds: [...this.running.keys()],
      maxAttempts: this.maxAttempts,
    });
    if (recovered.events.length > 0) this.deps.publish(recovered.events);
    if (recovered.requeued.length > 0) {
      this.logger.warn(`[worker] queued again ${recovered.requeued.length} interrupted execution(s) to resume: ${recovered.requeued.join(', ')}`);
      void this.fill();
    }
    if (recovered.closed.length > 0) {
      this.logger.warn(`[worker] closed ${recovered.closed.length} execution(s) interrupted too often: ${recovered.closed.join(', ')}`);
    }
    return recovered;
  }

  private stopTimers(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
  }

  /** Claims while there is room; one claim at a time, again if work arrived meanwhile. */
  private fill(): Promise<void> {
    if (this.filling) {
      this.fillAgain = true;
      return this.filling;
    }
    this.filling = (async () => {
      do {
        this.fillAgain = false;
        while (this.working && !this.draining && !this.paused && this.running.size < this.concurrency) {
          const claimed = await this.deps.queue.claim(this.workerId, this.concurrency - this.running.size);
          for (const execution of claimed) this.launch(execution);
          if (claimed.length === 0) break;
        }
      } while (this.fillAgain && this.working && !this.draining && !this.paused);
    })()
      .catch((error: unknown) => this.logger.warn(`[worker] claiming queued executions failed: ${String(error)}`))
      .finally(() => {
        this.filling = null;
      });
    return this.filling;
  }

  private launch(claimed: ClaimedExecution): void {
    this.stats.claimed++;
    const controller = new AbortController();
    if (claimed.cancelRequestedBy) controller.abort(new CancelledError(claimed.cancelRequestedBy));
    const run: Run = { claimed, controller, lost: false, handedBack: false, finishing: false, done: Promise.resolve() };
    // An earlier run here that lost this execution and has not noticed yet: stopped, written off.
    const earlier = this.running.get(claimed.id);
    if (earlier && !earlier.lost) {
      earlier.lost = true;
      earlier.controller.abort(new Error('This worker claimed the execution again'));
    }
    // Listed before it starts: what it checks of itself sees it running.
    this.running.set(claimed.id, run);
    let crashed = false;
    run.done = this.execute(run)
      .catch((error: unknown) => {
        crashed = true;
        this.logger.error(`[worker] execution ${claimed.id} crashed:`, error);
      })
      .finally(async () => {
        // Not when a later run here took its place (that one owns the entry and the lock).
        if (this.running.get(claimed.id) !== run) return;
        this.running.delete(claimed.id);
        // Only when the run ended without writing its status (which lets go of the lock itself).
        await this.deps.queue.release(claimed.id).catch((error: unknown) => this.logger.warn(`[worker] could not release ${claimed.id}: ${String(error)}`));
        // Still running in the database: queued again to resume (or closed past the cap). On a
        // server any worker's sweep notices; on the embedded database this one's, soonest now.
        if (crashed && !this.deps.queue.usesSessionLocks && !this.filling) await this.recoverInterrupted(0).catch(() => {});
        for (const listener of this.finishedListeners) listener(claimed.id);
        void this.fill();
      });
  }

  /** Renews this worker's leases; stops runs whose cancellation was asked, and runs it lost. */
  private async renewLeases(): Promise<void> {
    const runs = [...this.running.values()].map((run) => ({ id: run.claimed.id, claim: run.claimed.claim }));
    try {
      const { cancelled, lost } = await this.deps.queue.heartbeat(runs, this.workerId);
      for (const request of cancelled) this.cancel(request.id, request.by);
      for (const id of lost) {
        const run = this.running.get(id);
        if (!run || run.lost || run.finishing) continue;
        run.lost = true;
        this.stats.lost++;
        this.logger.warn(`[worker] execution ${id} was taken over by another worker or closed; this run stops`);
        run.controller.abort(new Error('Another worker took this execution over'));
      }
    } catch (error) {
      this.logger.warn(`[worker] could not renew leases: ${String(error)}`);
    }
  }

  private async execute(run: Run): Promise<void> {
    const { claimed } = run;
    const { executions, buffer, events, knowledge, queue } = this.deps;
    const id = claimed.id;
    this.recordWait(claimed);
    // Claimed while a hung worker still held its lock: taken once that one lets go.
    if (queue.usesSessionLocks && !claimed.locked) void queue.lockWhenFree(id, () => this.running.get(id) === run && !run.lost && !run.handedBack);
    const last = await events.lastEvent(id);
    const recorder = createEventRecorder({
      executionId: id,
      claim: claimed.claim,
      ...(last ? { lastSequence: last.sequence, lastCreatedAtUs: last.createdAtUs } : {}),
      enqueue: (event) => {
        if (!run.lost && !run.handedBack) buffer.enqueue(event);
      },
    });
    if (last && isTerminalEventType(last.eventType)) {
      // It ended, but its worker stopped before recording so: the event is the truth.
      run.finishing = true;
      const [terminal] = await events.listEvents(id, { afterSequence: last.sequence - 1, limit: 1 });
      await queue.finish(id, claimed.claim, outcomeOf(terminal!));
      return;
    }
    // The version it was started with, whatever was saved since.
    const assistant = await this.deps.assistants.getVersion(claimed.assistantId, claimed.assistantVersion, SYSTEM_VIEWER);
    const input = inputSchema.safeParse(claimed.input);
    if (!assistant || !input.success) {
      const error = assistant ? 'Its stored input is not a set of text values' : `Assistant ${claimed.assistantId} was deleted before the execution ran`;
      recorder.emit({ eventType: 'execution-error', eventData: { executionId: id, error, recoverable: false } });
      run.finishing = true;
      await buffer.settled();
      await queue.finish(id, claimed.claim, { status: 'failed', totalTokens: 0, error });
      return;
    }
    const runner: Viewer = { userId: claimed.userId, isAdmin: claimed.isAdmin };
    const resume = last
      ? {
          completed: await executions.storedProgress(id),
          elapsedMs: Math.max(0, Date.now() - claimed.startedAt.getTime()),
          reason: `Resumed on worker ${this.workerId.slice(0, 8)} after its previous worker stopped (attempt ${claimed.attempt} of at most ${this.maxAttempts})`,
        }
      : undefined;
    if (resume) this.stats.resumed++;
    const failedBefore = buffer.getStats().failed;
    const outcome = await runAssistant({
      executionId: id,
      assistant,
      input: input.data,
      sink: {
        emit: (draft) => recorder.emit(draft),
        textDelta: (promptId, text) => {
          if (!run.lost && !run.handedBack) this.deps.publishOutput({ executionId: id, promptId, text });
        },
      },
      models: this.deps.models,
      tools: this.deps.tools,
      knowledge: knowledge && { search: (request) => knowledge.search({ ...request, viewer: runner }) },
      cache: this.deps.cache && scopedResponseCache(this.deps.cache, `user:${runner.userId}`),
      limits: this.deps.limits,
      signal: run.controller.signal,
      resume,
      onPromptResult: async (result) => {
        if (run.lost || run.handedBack) throw new HandBack('This run no longer holds its execution');
        const saved = await executions.savePromptResult({ executionId: id, claim: claimed.claim, ...result });
        if (!saved) {
          run.lost = true;
          this.stats.lost++;
          throw new HandBack('Another worker took this execution over');
        }
      },
    });
    if (run.lost) return;
    if (run.handedBack) {
      // What it wrote before stopping is stored first, so the next worker goes on after it.
      run.finishing = true;
      await buffer.settled();
      if (await queue.handBack(id, claimed.claim)) {
        this.stats.handedBack++;
        await queue.notifyWork().catch(() => {});
      }
      return;
    }
    // Its terminal event is stored before its status says it finished. Should it not be (the
    // store refused it, or gave up), the status stays running: recovery resumes it, and the
    // resumed run writes the terminal event.
    run.finishing = true;
    await buffer.settled();
    // Checked only when the buffer refused or gave up on something meanwhile (rarely): a read saved per run.
    if (buffer.getStats().failed > failedBefore) {
      const stored = await events.lastEvent(id);
      if (run.lost) return;
      if (!stored || !isTerminalEventType(stored.eventType)) throw new Error('its terminal event was not stored; it is left to be resumed');
    }
    await queue.finish(id, claimed.claim, {
      status: outcome.status === 'completed' ? 'completed' : 'failed',
      totalTokens: outcome.totalTokens,
      error: outcome.status === 'failed' ? outcome.error : undefined,
    });
  }

  private recordWait(claimed: ClaimedExecution): void {
    this.recentWaitsMs.push(claimed.waitedMs);
    if (this.recentWaitsMs.length > 1_000) this.recentWaitsMs.splice(0, this.recentWaitsMs.length - 1_000);
    for (const listener of this.claimListeners) listener(claimed.waitedMs);
  }
}
