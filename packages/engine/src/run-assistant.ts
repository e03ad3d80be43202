import type { EventDraft } from '@aae/events';
import { UnknownModelError, type ModelRegistry } from './model.ts';
import { substitute, TemplateError } from './template.ts';

/** Where the engine sends the events it emits; it knows nothing of storage or transport. */
export interface EventSink {
  emit(draft: EventDraft): unknown;
}

export interface PromptDefinition {
  id: number;
  name: string;
  position: number;
  modelId: string;
  content: string;
  repositoryIds: readonly number[];
  enabledTools: readonly string[];
}

export interface AssistantDefinition {
  name: string;
  prompts: readonly PromptDefinition[];
}

export interface PromptRunResult {
  promptId: number;
  output: string;
  outputTokens: number;
  durationMs: number;
  cached: boolean;
}

export interface RunAssistantOptions {
  executionId: number;
  assistant: AssistantDefinition;
  input: Readonly<Record<string, string>>;
  sink: EventSink;
  models: ModelRegistry;
  signal?: AbortSignal | undefined;
  /** Awaited before `prompt-complete` is emitted, so a reader who sees that event can fetch the output. */
  onPromptResult?: (result: PromptRunResult) => Promise<void> | void;
  /** Milliseconds on a monotonic clock. */
  clock?: () => number;
}

export type ExecutionOutcome =
  | { status: 'completed'; totalTokens: number; durationMs: number }
  | { status: 'failed'; totalTokens: number; durationMs: number; error: string; promptId?: number; recoverable: boolean };

/** A failure with an honest answer to "would trying again help?". */
export class ExecutionFailure extends Error {
  override name = 'ExecutionFailure';
  constructor(
    message: string,
    readonly recoverable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function classify(error: unknown, signal: AbortSignal | undefined): { message: string; recoverable: boolean; details?: string } {
  if (signal?.aborted) {
    return { message: 'Execution was cancelled', recoverable: true, details: String(signal.reason ?? '') || undefined };
  }
  if (error instanceof ExecutionFailure) return { message: error.message, recoverable: error.recoverable, details: error.stack };
  if (error instanceof UnknownModelError || error instanceof TemplateError) {
    return { message: error.message, recoverable: false, details: error.stack };
  }
  if (error instanceof Error) return { message: error.message, recoverable: false, details: error.stack };
  return { message: String(error), recoverable: false };
}

/**
 * Runs an assistant's prompts in order of position, emitting the seed's events, and always ends
 * with exactly one `execution-complete` or `execution-error`.
 */
export async function runAssistant(options: RunAssistantOptions): Promise<ExecutionOutcome> {
  const { executionId, assistant, sink, models, signal } = options;
  const clock = options.clock ?? (() => performance.now());
  const prompts = [...assistant.prompts].sort((a, b) => a.position - b.position || a.id - b.id);
  const startedAt = clock();
  const outputs = new Map<string, { promptId: number; output: string }>();
  let totalTokens = 0;
  let currentPromptId: number | undefined;

  sink.emit({
    eventType: 'execution-start',
    eventData: { executionId, totalPrompts: prompts.length, toolName: assistant.name },
  });

  try {
    for (const [index, prompt] of prompts.entries()) {
      signal?.throwIfAborted();
      currentPromptId = prompt.id;
      const promptStartedAt = clock();
      sink.emit({
        eventType: 'prompt-start',
        eventData: {
          promptId: prompt.id,
          promptName: prompt.name,
          position: index + 1,
          totalPrompts: prompts.length,
          modelId: prompt.modelId,
          hasKnowledge: prompt.repositoryIds.length > 0,
          hasTools: prompt.enabledTools.length > 0,
        },
      });

      const resolved = substitute(prompt.content, { inputs: options.input, outputs });
      if (Object.keys(resolved.variables).length > 0) {
        sink.emit({
          eventType: 'variable-substitution',
          eventData: { promptId: prompt.id, variables: resolved.variables, sourcePrompts: resolved.sourcePrompts },
        });
      }

      const model = models.resolve(prompt.modelId);
      const stream = model.generate({ modelId: prompt.modelId, prompt: resolved.text, signal });
      let output = '';
      for await (const chunk of stream.textStream) output += chunk;
      const usage = await stream.usage;
      totalTokens += usage.inputTokens + usage.outputTokens;
      outputs.set(prompt.name, { promptId: prompt.id, output });

      const result: PromptRunResult = {
        promptId: prompt.id,
        output,
        outputTokens: usage.outputTokens,
        durationMs: Math.round(clock() - promptStartedAt),
        cached: false,
      };
      await options.onPromptResult?.(result);
      sink.emit({
        eventType: 'prompt-complete',
        eventData: { promptId: prompt.id, outputTokens: result.outputTokens, duration: result.durationMs, cached: result.cached },
      });
      currentPromptId = undefined;
    }
  } catch (error) {
    const failure = classify(error, signal);
    const durationMs = Math.round(clock() - startedAt);
    sink.emit({
      eventType: 'execution-error',
      eventData: {
        executionId,
        error: failure.message,
        recoverable: failure.recoverable,
        ...(currentPromptId !== undefined ? { promptId: currentPromptId } : {}),
        ...(failure.details ? { details: failure.details } : {}),
      },
    });
    return {
      status: 'failed',
      totalTokens,
      durationMs,
      error: failure.message,
      recoverable: failure.recoverable,
      ...(currentPromptId !== undefined ? { promptId: currentPromptId } : {}),
    };
  }

  const durationMs = Math.round(clock() - startedAt);
  sink.emit({ eventType: 'execution-complete', eventData: { executionId, totalTokens, duration: durationMs, success: true } });
  return { status: 'completed', totalTokens, durationMs };
}
