import type { z } from 'zod';
import { Registry, unknownEntryMessage } from './registry.ts';

/** A tool as a model sees it: its `execute` is already wired to report what it does. */
export interface ModelTool {
  name: string;
  description: string;
  parameters: z.ZodType<Record<string, unknown>>;
  execute(input: Record<string, unknown>, signal?: AbortSignal): Promise<unknown>;
}

export interface ModelRequest {
  modelId: string;
  prompt: string;
  tools: readonly ModelTool[];
  /** Rounds of tool calls and answers allowed before the model must stop. */
  maxSteps: number;
  maxOutputTokens?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Called as each round of a multi-step (tool) loop finishes. */
  onStep?: ((step: number) => void) | undefined;
}

export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
}

/** A streamed generation: text chunks as they are produced, then the usage once it ends. */
export interface ModelStream {
  textStream: AsyncIterable<string>;
  usage: Promise<ModelUsage>;
}

export interface LanguageModel {
  /** Model ids this model answers to, e.g. `local` or `ollama/llama3.2`. */
  readonly ids: readonly string[];
  generate(request: ModelRequest): ModelStream;
}

export class UnknownModelError extends Error {
  constructor(
    readonly modelId: string,
    known: readonly string[],
  ) {
    super(unknownEntryMessage('model', modelId, known));
    this.name = 'UnknownModelError';
  }
}

export class ModelRegistry extends Registry<LanguageModel> {
  constructor(models: readonly LanguageModel[] = []) {
    super((id, known) => new UnknownModelError(id, known));
    for (const model of models) this.register(model);
  }

  register(model: LanguageModel): void {
    for (const id of model.ids) this.set(id, model);
  }
}

/** Rough token count for text whose model reports none: words and punctuation runs. */
export function countTokens(text: string): number {
  return text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)?.length ?? 0;
}

/** The first `max` tokens of a text (as `countTokens` counts them), for output limits. */
export function truncateToTokens(text: string, max: number): string {
  let count = 0;
  for (const match of text.matchAll(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)) {
    count++;
    if (count > max) return text.slice(0, match.index).trimEnd();
  }
  return text;
}
