import { describeIssues, type EventDraft } from '@aae/events';
import { CancelledError, ExecutionFailure, PromptTimeoutError } from './failures.ts';
import type { KnowledgePassage, KnowledgeSearch, SearchType } from './knowledge.ts';
import { countTokens, type LanguageModel, type ModelRegistry, type ModelTool, type ModelUsage } from './model.ts';
import { createProgressThrottle } from './progress-throttle.ts';
import { responseCacheKey, type ResponseCache } from './response-cache.ts';
import { substitute } from './template.ts';
import { UnknownToolError, type ToolDefinition, type ToolRegistry } from './tools.ts';

/** Where the engine sends what it observes; it knows nothing of storage or transport. */
export interface EventSink {
  emit(draft: EventDraft): unknown;
  /** Text as the model writes it: shown live, never stored (the whole output is, with the result). */
  textDelta?(promptId: number, text: string): void;
}

export interface PromptDefinition {
  id: number;
  name: string;
  /** Prompts sharing a position run at the same time. */
  position: number;
  modelId: string;
  content: string;
  repositoryIds: readonly number[];
  searchType?: SearchType | undefined;
  enabledTools: readonly string[];
  timeoutMs?: number | null | undefined;
  maxOutputTokens?: number | null | undefined;
}

export interface AssistantDefinition {
  name: string;
  prompts: readonly PromptDefinition[];
}

export interface PromptRunResult {
  promptId: number;
  output: string;
  inputTokens: number;
  outputTokens: number;
  durationMs: number;
  cached: boolean;
}

/** What earlier attempts of an interrupted execution stored: a resumed run goes on from there. */
export interface ResumeState {
  /** Prompts whose results are stored: reused, not run again. */
  completed: ReadonlyArray<PromptRunResult & { /** Whether its `prompt-complete` event is stored too. */ announced: boolean }>;
  /** How long the execution had run before (durations count from its first start). */
  elapsedMs: number;
  /** Why it resumes, said in the `progress` event that marks it (e.g. "Resumed on another worker"). */
  reason: string;
}

export interface EngineLimits {
  promptTimeoutMs: number;
  /** Applied when a prompt sets none. */
  maxOutputTokens: number | undefined;
  /** Rounds of a tool loop, the final answer included. */
  maxToolSteps: number;
  passagesPerPrompt: number;
  /** Most tokens of retrieved context injected into one prompt. */
  contextTokenBudget: number;
  progressIntervalMs: number;
  cacheTtlMs: number;
}

export const defaultEngineLimits: EngineLimits = {
  promptTimeoutMs: 120_000,
  maxOutputTokens: undefined,
  maxToolSteps: 5,
  passagesPerPrompt: 5,
  contextTokenBudget: 1_500,
  progressIntervalMs: 250,
  cacheTtlMs: 60 * 60_000,
};

export interface RunAssistantOptions {
  executionId: number;
  assistant: AssistantDefinition;
  input: Readonly<Record<string, string>>;
  sink: EventSink;
  models: ModelRegistry;
  tools?: ToolRegistry | undefined;
  knowledge?: KnowledgeSearch | undefined;
  /** Absent: every prompt calls its model. */
  cache?: ResponseCache | undefined;
  limits?: Partial<EngineLimits> | undefined;
  /** Aborting it stops the run at the next safe point; a `CancelledError` reason names who. */
  signal?: AbortSignal | undefined;
  /** Awaited before `prompt-complete` is emitted, so a reader who sees that event can fetch the output. */
  onPromptResult?: (result: PromptRunResult) => Promise<void> | void;
  /** Milliseconds on a monotonic clock. */
  clock?: () => number;
  /**
   * Goes on with an interrupted execution instead of starting it: no second `execution-start`, a
   * `progress` event saying it resumed, stored prompt results reused, the rest run.
   */
  resume?: ResumeState | undefined;
}

export type ExecutionOutcome =
  | { status: 'completed'; totalTokens: number; durationMs: number }
  | { status: 'failed'; totalTokens: number; durationMs: number; error: string; promptId?: number; recoverable: boolean };

/** Which prompt a failure happened in. */
class PromptFailure extends Error {
  constructor(
    readonly promptId: number,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

function classify(error: unknown, signal: AbortSignal | undefined): { message: string; recoverable: boolean; details?: string | undefined } {
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof CancelledError) return { message: reason.message, recoverable: true };
    const why = reason instanceof Error ? reason.message : String(reason ?? 'aborted');
    return { message: `Execution was stopped: ${why}`, recoverable: true };
  }
  if (error instanceof PromptTimeoutError) return { message: error.message, recoverable: true };
  if (error instanceof ExecutionFailure) return { message: error.message, recoverable: error.recoverable, details: error.details ?? error.stack };
  if (error instanceof Error) return { message: error.message, recoverable: false, details: error.stack };
  return { message: String(error), recoverable: false };
}

/** Passages, best first, that fit the budget; their text as it is put before the prompt. */
function buildContext(passages: readonly KnowledgePassage[], budget: number): { used: KnowledgePassage[]; text: string } {
  const used: KnowledgePassage[] = [];
  let spent = 0;
  for (const passage of passages) {
    if (spent + passage.tokens > budget && used.length > 0) break;
    used.push(passage);
    spent += passage.tokens;
  }
  if (used.length === 0) return { used, text: '' };
  const blocks = used.map((passage, index) => `[${index + 1}] ${passage.documentTitle}\n${passage.content}`);
  return { used, text: `Use this context where it helps:\n\n${blocks.join('\n\n')}\n\n---\n\n` };
}

/** What the steps of one prompt's run share. */
interface PromptRun {
  executionId: number;
  prompt: PromptDefinition;
  tools: readonly ToolDefinition[];
  sink: EventSink;
  limits: EngineLimits;
  models: ModelRegistry;
  cache: ResponseCache | undefined;
  knowledge: KnowledgeSearch | undefined;
  searchType: SearchType;
  /** The run's signal, or its group's when sibling prompts run beside it. */
  signal: AbortSignal | undefined;
}

/** The prompt's enabled tools; one the deployment does not offer is an error. */
function resolveTools(names: readonly string[], registry: ToolRegistry | undefined): ToolDefinition[] {
  return names.map((name) => {
    if (!registry) throw new UnknownToolError(name, []);
    return registry.resolve(name);
  });
}

/** Searches the prompt's repositories for its text, reporting the search; no repositories, no context. */
async function retrieveKnowledge(run: PromptRun, query: string): Promise<{ used: KnowledgePassage[]; text: string }> {
  const { prompt, sink, limits, searchType } = run;
  if (prompt.repositoryIds.length === 0) return { used: [], text: '' };
  if (!run.knowledge) throw new ExecutionFailure('Knowledge search is not available in this deployment', false);
  sink.emit({
    eventType: 'knowledge-retrieval-start',
    eventData: { promptId: prompt.id, repositories: [...prompt.repositoryIds], searchType },
  });
  const passages = await run.knowledge.search({
    repositoryIds: prompt.repositoryIds,
    query,
    searchType,
    limit: limits.passagesPerPrompt,
    signal: run.signal,
  });
  const context = buildContext(passages, limits.contextTokenBudget);
  const scores = context.used.map((passage) => passage.score);
  sink.emit({
    eventType: 'knowledge-retrieved',
    eventData: {
      promptId: prompt.id,
      documentsFound: new Set(context.used.map((passage) => passage.documentId)).size,
      relevanceScore: scores.length > 0 ? Math.min(1, Math.max(0, scores.reduce((sum, score) => sum + score, 0) / scores.length)) : 0,
      tokens: countTokens(context.text),
    },
  });
  return context;
}

/**
 * The prompt's answer: from the cache when it holds one (passed on as one chunk), else generated,
 * then cached unless a volatile tool ran.
 */
async function answerPrompt(
  run: PromptRun,
  text: string,
  context: readonly KnowledgePassage[],
): Promise<{ output: string; usage: ModelUsage; cached: boolean }> {
  const { prompt, limits } = run;
  const maxOutputTokens = prompt.maxOutputTokens ?? limits.maxOutputTokens;
  const cache = run.cache && {
    store: run.cache,
    key: responseCacheKey({
      modelId: prompt.modelId,
      prompt: text,
      context: context.map((passage) => passage.content),
      tools: run.tools.map((tool) => tool.name),
      maxOutputTokens,
    }),
  };
  const cached = cache ? await cache.store.get(cache.key) : null;
  if (cached) {
    run.sink.textDelta?.(prompt.id, cached.output);
    return { output: cached.output, usage: { inputTokens: cached.inputTokens, outputTokens: cached.outputTokens }, cached: true };
  }
  const model = run.models.resolve(prompt.modelId);
  const { output, usage, usedVolatileTool } = await generateWithTimeout(run, model, { text, maxOutputTokens });
  if (cache && !usedVolatileTool) {
    await cache.store.set(cache.key, prompt.modelId, { output, ...usage }, limits.cacheTtlMs);
  }
  return { output, usage, cached: false };
}

/**
 * Streams the model's answer, passing each chunk on as it comes, within the prompt's timeout. A
 * timeout surfaces as an abort inside the model call: it is reported as what it is.
 */
async function generateWithTimeout(
  run: PromptRun,
  model: LanguageModel,
  request: { text: string; maxOutputTokens: number | undefined },
): Promise<{ output: string; usage: ModelUsage; usedVolatileTool: boolean }> {
  const { prompt, limits } = run;
  const timeoutMs = prompt.timeoutMs ?? limits.promptTimeoutMs;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new PromptTimeoutError(prompt.name, timeoutMs)), timeoutMs);
  const promptSignal = AbortSignal.any([timeout.signal, ...(run.signal ? [run.signal] : [])]);
  const maxSteps = run.tools.length > 0 ? limits.maxToolSteps : 1;
  const onStep = reportToolRounds(run, maxSteps);
  const tools = instrumentTools(run, promptSignal);
  let output = '';
  try {
    const stream = model.generate({
      modelId: prompt.modelId,
      prompt: request.text,
      tools: tools.modelTools,
      maxSteps,
      maxOutputTokens: request.maxOutputTokens,
      signal: promptSignal,
      onStep,
    });
    for await (const chunk of stream.textStream) {
      output += chunk;
      run.sink.textDelta?.(prompt.id, chunk);
    }
    return { output, usage: await stream.usage, usedVolatileTool: tools.usedVolatileTool() };
  } catch (error) {
    if (timeout.signal.aborted && !run.signal?.aborted) throw timeout.signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Reports each finished round of a tool loop as `progress`, at a bounded rate. */
function reportToolRounds(run: PromptRun, maxSteps: number): (step: number) => void {
  const throttle = createProgressThrottle(run.limits.progressIntervalMs);
  return (step) => {
    if (!throttle.shouldEmit(step, maxSteps)) return;
    run.sink.emit({
      eventType: 'progress',
      eventData: {
        currentStep: step,
        totalSteps: maxSteps,
        percentage: Math.round((step / maxSteps) * 100),
        message: `Prompt "${run.prompt.name}": tool round ${step} of at most ${maxSteps} done`,
      },
    });
  };
}

/** The tools as the model sees them: each call reported, and whether one of them was volatile. */
function instrumentTools(run: PromptRun, promptSignal: AbortSignal): { modelTools: ModelTool[]; usedVolatileTool(): boolean } {
  let usedVolatileTool = false;
  const modelTools = run.tools.map(
    (definition): ModelTool => ({
      name: definition.name,
      description: definition.description,
      parameters: definition.parameters,
      execute(input, callSignal) {
        if (definition.volatile) usedVolatileTool = true;
        return runTool(run, definition, input, callSignal ?? promptSignal);
      },
    }),
  );
  return { modelTools, usedVolatileTool: () => usedVolatileTool };
}

/** One tool call, its arguments checked first: `tool-execution-start`, then `tool-execution-complete` with the result or error. */
async function runTool(run: PromptRun, definition: ToolDefinition, input: Record<string, unknown>, signal: AbortSignal): Promise<unknown> {
  const { prompt, sink } = run;
  sink.emit({ eventType: 'tool-execution-start', eventData: { promptId: prompt.id, toolName: definition.name, parameters: input } });
  try {
    const parsed = definition.parameters.safeParse(input);
    if (!parsed.success) {
      throw new Error(`Invalid arguments: ${describeIssues(parsed.error)}`);
    }
    const result = await definition.execute(parsed.data, {
      executionId: run.executionId,
      promptId: prompt.id,
      repositoryIds: prompt.repositoryIds,
      searchType: run.searchType,
      knowledge: run.knowledge,
      signal,
    });
    sink.emit({ eventType: 'tool-execution-complete', eventData: { promptId: prompt.id, toolName: definition.name, success: true, result } });
    return result;
  } catch (error) {
    sink.emit({
      eventType: 'tool-execution-complete',
      eventData: { promptId: prompt.id, toolName: definition.name, success: false, error: error instanceof Error ? error.message : String(error) },
    });
    throw error;
  }
}

/**
 * Runs an assistant's prompts in order of position (prompts sharing a position at the same time),
 * emitting the seed's events, and always ends with exactly one `execution-complete` or
 * `execution-error`.
 */
export async function runAssistant(options: RunAssistantOptions): Promise<ExecutionOutcome> {
  const { executionId, assistant, sink, models, signal } = options;
  const limits = { ...defaultEngineLimits, ...options.limits };
  const clock = options.clock ?? (() => performance.now());
  const prompts = [...assistant.prompts].sort((a, b) => a.position - b.position || a.id - b.id);
  const chainPosition = new Map(prompts.map((prompt, index) => [prompt.id, index + 1]));
  const groups: PromptDefinition[][] = [];
  for (const prompt of prompts) {
    const group = groups.at(-1);
    if (group && group[0]!.position === prompt.position) group.push(prompt);
    else groups.push([prompt]);
  }
  const resume = options.resume;
  const startedAt = clock() - (resume?.elapsedMs ?? 0);
  const outputs = new Map<string, { promptId: number; output: string }>();
  let totalTokens = 0;
  const done = new Map((resume?.completed ?? []).map((result) => [result.promptId, result]));

  async function runPrompt(prompt: PromptDefinition, groupSignal: AbortSignal | undefined): Promise<void> {
    const promptStartedAt = clock();
    const tools = resolveTools(prompt.enabledTools, options.tools);
    sink.emit({
      eventType: 'prompt-start',
      eventData: {
        promptId: prompt.id,
        promptName: prompt.name,
        position: chainPosition.get(prompt.id)!,
        totalPrompts: prompts.length,
        modelId: prompt.modelId,
        hasKnowledge: prompt.repositoryIds.length > 0,
        hasTools: tools.length > 0,
      },
    });

    const resolved = substitute(prompt.content, { inputs: options.input, outputs });
    if (Object.keys(resolved.variables).length > 0) {
      sink.emit({
        eventType: 'variable-substitution',
        eventData: { promptId: prompt.id, variables: resolved.variables, sourcePrompts: resolved.sourcePrompts },
      });
    }

    const run: PromptRun = {
      executionId,
      prompt,
      tools,
      sink,
      limits,
      models,
      cache: options.cache,
      knowledge: options.knowledge,
      searchType: prompt.searchType ?? 'hybrid',
      signal: groupSignal,
    };
    const context = await retrieveKnowledge(run, resolved.text);
    const { output, usage, cached } = await answerPrompt(run, context.text + resolved.text, context.used);
    totalTokens += usage.inputTokens + usage.outputTokens;
    outputs.set(prompt.name, { promptId: prompt.id, output });
    const result: PromptRunResult = {
      promptId: prompt.id,
      output,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      durationMs: Math.round(clock() - promptStartedAt),
      cached,
    };
    await options.onPromptResult?.(result);
    sink.emit({
      eventType: 'prompt-complete',
      eventData: { promptId: prompt.id, outputTokens: result.outputTokens, duration: result.durationMs, cached: result.cached },
    });
  }

  async function runGroup(whole: PromptDefinition[]): Promise<void> {
    // A resumed run skips the prompts whose results earlier attempts stored.
    const group = whole.filter((prompt) => !done.has(prompt.id));
    if (group.length === 0) return;
    if (group.length === 1) {
      const prompt = group[0]!;
      await runPrompt(prompt, signal).catch((error: unknown) => {
        throw new PromptFailure(prompt.id, error);
      });
      return;
    }
    // The first failure stops its siblings; it is the one reported.
    const siblings = new AbortController();
    const groupSignal = signal ? AbortSignal.any([signal, siblings.signal]) : siblings.signal;
    let first: PromptFailure | null = null;
    await Promise.all(
      group.map((prompt) =>
        runPrompt(prompt, groupSignal).catch((error: unknown) => {
          if (!first && !signal?.aborted) {
            first = new PromptFailure(prompt.id, error);
            siblings.abort(first);
          } else if (!first) {
            first = new PromptFailure(prompt.id, error);
          }
        }),
      ),
    );
    if (first) throw first;
  }

  if (resume) {
    const reused = prompts.filter((prompt) => done.has(prompt.id));
    sink.emit({
      eventType: 'progress',
      eventData: {
        currentStep: reused.length,
        totalSteps: prompts.length,
        percentage: prompts.length === 0 ? 100 : Math.round((reused.length / prompts.length) * 100),
        message: `${resume.reason}: ${reused.length} of ${prompts.length} prompt(s) already complete, going on from there`,
      },
    });
    for (const prompt of reused) {
      const result = done.get(prompt.id)!;
      outputs.set(prompt.name, { promptId: prompt.id, output: result.output });
      totalTokens += result.inputTokens + result.outputTokens;
      // Stored just before its process stopped, the event that announces it was not: it is now.
      if (!result.announced) {
        sink.emit({
          eventType: 'prompt-complete',
          eventData: { promptId: prompt.id, outputTokens: result.outputTokens, duration: result.durationMs, cached: result.cached },
        });
      }
    }
  } else {
    sink.emit({
      eventType: 'execution-start',
      eventData: { executionId, totalPrompts: prompts.length, toolName: assistant.name },
    });
  }

  try {
    for (const group of groups) {
      signal?.throwIfAborted();
      await runGroup(group);
    }
  } catch (error) {
    const promptId = error instanceof PromptFailure ? error.promptId : undefined;
    const failure = classify(error instanceof PromptFailure ? error.cause : error, signal);
    const durationMs = Math.round(clock() - startedAt);
    sink.emit({
      eventType: 'execution-error',
      eventData: {
        executionId,
        error: failure.message,
        recoverable: failure.recoverable,
        ...(promptId !== undefined ? { promptId } : {}),
        ...(failure.details ? { details: failure.details } : {}),
      },
    });
    return {
      status: 'failed',
      totalTokens,
      durationMs,
      error: failure.message,
      recoverable: failure.recoverable,
      ...(promptId !== undefined ? { promptId } : {}),
    };
  }

  const durationMs = Math.round(clock() - startedAt);
  sink.emit({ eventType: 'execution-complete', eventData: { executionId, totalTokens, duration: durationMs, success: true } });
  return { status: 'completed', totalTokens, durationMs };
}
