import { randomUUID } from 'node:crypto';
import {
  closeOrphanedExecutions,
  createEventRecorder,
  type Assistant,
  type EventWriteBuffer,
  type ExecutionRepository,
  type PrismaClient,
  type Viewer,
} from '@aae/db';
import type { StoredEvent } from '@aae/events';
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

export interface ExecutionRunnerDeps {
  prisma: PrismaClient;
  executions: ExecutionRepository;
  buffer: EventWriteBuffer;
  models: ModelRegistry;
  tools: ToolRegistry;
  /** Searches as someone: a run reads only the repositories its runner may read. */
  knowledge?: { search(request: Parameters<KnowledgeSearch['search']>[0] & { viewer: Viewer }): ReturnType<KnowledgeSearch['search']> } | undefined;
  cache?: ResponseCache | undefined;
  limits?: Partial<EngineLimits> | undefined;
  /** Publishes events written outside the buffer (an orphan's terminal event). */
  publish(events: readonly StoredEvent[]): void;
  /** Live text as models write it. */
  publishOutput(delta: { executionId: number; promptId: number; text: string }): void;
  logger?: Pick<Console, 'info' | 'warn' | 'error'>;
  /** How often this process renews the lease on the executions it runs. */
  heartbeatMs?: number;
  /** A lease older than this marks its execution as orphaned: its process died. */
  staleAfterMs?: number;
  /** How often to look for orphans left by other processes. */
  sweepMs?: number;
}

/**
 * Runs executions in the background of this process. `start` returns at once; the run's events
 * flow through the recorder into the write buffer, never awaited by the run. While a run lasts,
 * its lease is renewed; any process closes executions whose lease expired (crash recovery).
 */
export class ExecutionRunner {
  readonly workerId = randomUUID();
  private readonly running = new Map<number, { controller: AbortController; done: Promise<void> }>();
  private readonly logger: Pick<Console, 'info' | 'warn' | 'error'>;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  readonly staleAfterMs: number;

  constructor(private readonly deps: ExecutionRunnerDeps) {
    this.logger = deps.logger ?? console;
    this.staleAfterMs = deps.staleAfterMs ?? 60_000;
  }

  /**
   * Runs an execution as `runner`: it searches only the repositories they may read, and reuses
   * from the cache only responses made for them.
   */
  start(executionId: number, assistant: Assistant, input: Record<string, string>, runner: Viewer): void {
    const controller = new AbortController();
    const done = this.run(executionId, assistant, input, runner, controller.signal)
      .catch((error: unknown) => this.logger.error(`[runner] execution ${executionId} crashed:`, error))
      .finally(() => this.running.delete(executionId));
    this.running.set(executionId, { controller, done });
  }

  isRunning(executionId: number): boolean {
    return this.running.has(executionId);
  }

  /** Resolves when the execution's run in this process has ended (at once if none is running). */
  async waitFor(executionId: number): Promise<void> {
    await this.running.get(executionId)?.done;
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

  /** Starts renewing leases (and picking up cancellations asked of other processes) and sweeping for orphans. */
  startMaintenance(): void {
    const heartbeatMs = this.deps.heartbeatMs ?? 5_000;
    const sweepMs = this.deps.sweepMs ?? 30_000;
    this.heartbeatTimer ??= setInterval(() => {
      this.deps.executions
        .heartbeat([...this.running.keys()], this.workerId)
        .then((cancelled) => {
          for (const request of cancelled) this.cancel(request.id, request.cancelRequestedBy);
        })
        .catch((error: unknown) => this.logger.warn(`[runner] could not renew leases: ${String(error)}`));
    }, heartbeatMs).unref();
    this.sweepTimer ??= setInterval(() => {
      this.recoverOrphans().catch((error: unknown) => this.logger.warn(`[runner] orphan sweep failed: ${String(error)}`));
    }, sweepMs).unref();
  }

  /** Lets every run finish (or cancels them when `cancel` is set), for a clean shutdown. */
  async stopAll(options: { cancel?: boolean } = {}): Promise<void> {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.heartbeatTimer = this.sweepTimer = null;
    if (options.cancel) for (const run of this.running.values()) run.controller.abort(new Error('Server is shutting down'));
    await Promise.all([...this.running.values()].map((run) => run.done));
  }

  /**
   * Closes executions whose process died, each with one recoverable `execution-error`, and
   * returns their ids. `staleAfterMs` 0 is right when no other process can be running any (the
   * embedded database belongs to this process alone).
   */
  async recoverOrphans(staleAfterMs = this.staleAfterMs): Promise<number[]> {
    const written = await closeOrphanedExecutions(this.deps.prisma, { staleAfterMs, excludeIds: [...this.running.keys()] });
    if (written.length > 0) this.deps.publish(written);
    return written.map((event) => event.executionId);
  }

  private async run(executionId: number, assistant: Assistant, input: Record<string, string>, runner: Viewer, signal: AbortSignal) {
    const { knowledge } = this.deps;
    const { executions, buffer } = this.deps;
    const recorder = createEventRecorder({ executionId, enqueue: (event) => buffer.enqueue(event) });
    await executions.markRunning(executionId, new Date(), this.workerId);
    const outcome = await runAssistant({
      executionId,
      assistant,
      input,
      sink: {
        emit: (draft) => recorder.emit(draft),
        textDelta: (promptId, text) => this.deps.publishOutput({ executionId, promptId, text }),
      },
      models: this.deps.models,
      tools: this.deps.tools,
      knowledge: knowledge && { search: (request) => knowledge.search({ ...request, viewer: runner }) },
      cache: this.deps.cache && scopedResponseCache(this.deps.cache, `user:${runner.userId}`),
      limits: this.deps.limits,
      signal,
      onPromptResult: (result) => executions.savePromptResult({ executionId, ...result }),
    });
    await executions.markFinished(executionId, {
      status: outcome.status === 'completed' ? 'completed' : 'failed',
      totalTokens: outcome.totalTokens,
      error: outcome.status === 'failed' ? outcome.error : undefined,
      finishedAt: new Date(),
    });
  }
}
