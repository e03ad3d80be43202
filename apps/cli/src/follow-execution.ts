import type { AaeClient } from '@aae/client';
import type { StoredEvent } from '@aae/events';
import { CliError, describeFailure, EXIT, type ExitCode } from './exit-codes.ts';
import type { EventView } from './progress-view.ts';

const isTerminal = (event: StoredEvent) => event.eventType === 'execution-complete' || event.eventType === 'execution-error';

/**
 * Shows an execution's events from its first until its terminal event.
 * A dropped connection is opened again from the last event received (the client's resume), so
 * every event is shown once. Resolves with the terminal event; an abort stops watching only.
 */
export function followExecution(
  client: AaeClient,
  executionId: number,
  view: EventView,
  options: { signal: AbortSignal; serverUrl: string },
): Promise<StoredEvent> {
  return new Promise((resolve, reject) => {
    let terminal: StoredEvent | null = null;
    let finished = false;
    const finish = (outcome: () => void) => {
      // Unsubscribing completes the subscription at once, which would finish again.
      if (finished) return;
      finished = true;
      options.signal.removeEventListener('abort', onAbort);
      subscription.unsubscribe();
      output?.unsubscribe();
      view.stop();
      outcome();
    };
    const onAbort = () =>
      finish(() =>
        reject(
          new CliError(
            EXIT.interrupted,
            `Stopped watching execution ${executionId}; it goes on on the server. Watch it again with \`aae watch ${executionId}\`, or stop it with \`aae cancel ${executionId}\``,
          ),
        ),
      );
    const subscription = client.events.onExecutionEvent.subscribe(
      { executionId },
      {
        onData({ data: event }) {
          view.show(event);
          if (isTerminal(event)) terminal = event;
        },
        onError: (error) => finish(() => reject(describeFailure(error, options.serverUrl))),
        onComplete: () =>
          finish(() => {
            if (terminal) resolve(terminal);
            else reject(new CliError(EXIT.serverError, `The stream of execution ${executionId} ended before its last event`));
          }),
      },
    );
    // The model's text as it comes, for the bars; the events alone decide when and how it ends.
    const output = view.output
      ? client.events.onExecutionOutput.subscribe({ executionId }, { onData: (delta) => view.output?.(delta), onError: () => {} })
      : null;
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });
  });
}

export interface Outcome {
  exitCode: ExitCode;
  /** What happened, for stderr; null when it completed. */
  message: string | null;
}

/** What a terminal event means for the exit status: completed, cancelled (someone asked) or failed. */
export async function outcomeOf(client: AaeClient, executionId: number, terminal: StoredEvent): Promise<Outcome> {
  if (terminal.eventType === 'execution-complete') return { exitCode: EXIT.completed, message: null };
  if (terminal.eventType !== 'execution-error') throw new Error(`not a terminal event: ${terminal.eventType}`);
  const execution = await client.executions.get.query({ executionId });
  if (execution.cancelRequestedBy) {
    return { exitCode: EXIT.cancelled, message: `Execution ${executionId} was cancelled by ${execution.cancelRequestedBy}` };
  }
  return { exitCode: EXIT.failed, message: `Execution ${executionId} failed: ${terminal.eventData.error}` };
}

/**
 * The text an execution produced: its last prompt's output, or with `all` every prompt's under
 * its name, in the prompt order of the assistant's version it ran.
 */
export async function outputOf(client: AaeClient, executionId: number, all: boolean): Promise<string> {
  const execution = await client.executions.get.query({ executionId });
  const prompts = new Map(execution.plan.map((prompt) => [prompt.id, prompt]));
  const results = [...execution.promptResults].sort((a, b) => {
    const byPosition = (prompts.get(a.promptId)?.position ?? 0) - (prompts.get(b.promptId)?.position ?? 0);
    return byPosition !== 0 ? byPosition : a.createdAt.getTime() - b.createdAt.getTime();
  });
  if (!all) return results.at(-1)?.output ?? '';
  return results.map((result) => `## ${prompts.get(result.promptId)?.name ?? `Prompt ${result.promptId}`}\n\n${result.output}`).join('\n\n');
}
