import {
  createEventRecorder,
  type Assistant,
  type AssistantRepository,
  type EventStore,
  type EventWriteBuffer,
  type ExecutionRepository,
} from '@aae/db';
import { runAssistant, type ModelRegistry } from '@aae/engine';

export interface ExecutionRunnerDeps {
  assistants: AssistantRepository;
  executions: ExecutionRepository;
  events: EventStore;
  buffer: EventWriteBuffer;
  models: ModelRegistry;
  logger?: Pick<Console, 'info' | 'error'>;
}

/**
 * Runs executions in the background of this process. `start` returns at once; the run's events
 * flow through the recorder into the write buffer, never awaited by the run.
 */
export class ExecutionRunner {
  private readonly running = new Map<number, { controller: AbortController; done: Promise<void> }>();
  private readonly logger: Pick<Console, 'info' | 'error'>;

  constructor(private readonly deps: ExecutionRunnerDeps) {
    this.logger = deps.logger ?? console;
  }

  start(executionId: number, assistant: Assistant, input: Record<string, string>): void {
    const controller = new AbortController();
    const done = this.run(executionId, assistant, input, controller.signal)
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

  /** Lets every run finish (or cancels them when `cancel` is set), for a clean shutdown. */
  async stopAll(options: { cancel?: boolean } = {}): Promise<void> {
    if (options.cancel) for (const run of this.running.values()) run.controller.abort(new Error('Server is shutting down'));
    await Promise.all([...this.running.values()].map((run) => run.done));
  }

  /**
   * Closes executions a dead process left unfinished: each gets one `execution-error`
   * (recoverable, since running it again may succeed), so every execution has a terminal event.
   */
  async recoverOrphans(): Promise<number[]> {
    const recovered: number[] = [];
    for (const orphan of await this.deps.executions.listUnfinished()) {
      if (this.running.has(orphan.id)) continue;
      if ((await this.deps.events.terminalSequence(orphan.id)) === null) {
        const recorder = createEventRecorder({
          executionId: orphan.id,
          enqueue: (event) => this.deps.buffer.enqueue(event),
          lastSequence: await this.deps.events.lastSequence(orphan.id),
        });
        recorder.emit({
          eventType: 'execution-error',
          eventData: {
            executionId: orphan.id,
            error: 'Execution was interrupted: the server stopped before it finished',
            recoverable: true,
            details: 'Closed when the server restarted; run the assistant again to retry.',
          },
        });
      }
      await this.deps.executions.markFinished(orphan.id, {
        status: 'failed',
        totalTokens: 0,
        error: 'Execution was interrupted: the server stopped before it finished',
        finishedAt: new Date(),
      });
      recovered.push(orphan.id);
    }
    await this.deps.buffer.flush();
    return recovered;
  }

  private async run(executionId: number, assistant: Assistant, input: Record<string, string>, signal: AbortSignal) {
    const { executions, buffer } = this.deps;
    const recorder = createEventRecorder({ executionId, enqueue: (event) => buffer.enqueue(event) });
    await executions.markRunning(executionId, new Date());
    const outcome = await runAssistant({
      executionId,
      assistant,
      input,
      sink: recorder,
      models: this.deps.models,
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
