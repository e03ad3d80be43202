import { backoffDelay, type BackoffPolicy, deferred, describeIssues } from '@aae/events';
import { setTimeout as sleep } from 'node:timers/promises';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { APICallError, embedMany, stepCountIs, streamText, tool, type ToolSet } from 'ai';
import { z } from 'zod';
import { normalise, type EmbeddingModel } from './embedding.ts';
import { ExecutionFailure } from './failures.ts';
import { countTokens, type LanguageModel, type ModelRequest, type ModelStream, type ModelTool, type ModelUsage } from './model.ts';

/**
 * One OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, LM Studio…). Its chat models are offered
 * as `<name>/<model>`, e.g. `ollama/llama3.2`; embedding models likewise.
 */
export const providerConfigSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'use lower-case letters, digits, - and _'),
  baseURL: z.url(),
  apiKey: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  models: z.array(z.string().min(1)).default([]),
  embeddingModels: z.array(z.string().min(1)).default([]),
});

export const providersConfigSchema = z.array(providerConfigSchema);

export type ProviderConfig = z.infer<typeof providerConfigSchema>;

export interface RetryPolicy extends BackoffPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 3, baseMs: 500, maxMs: 8_000 };

/** Parses the `MODEL_PROVIDERS` setting (JSON), naming what is wrong. */
export function parseProvidersConfig(json: string): ProviderConfig[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`MODEL_PROVIDERS is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const result = providersConfigSchema.safeParse(value);
  if (!result.success) {
    const problems = describeIssues(result.error, '(root)');
    throw new Error(`MODEL_PROVIDERS is invalid: ${problems}`);
  }
  const names = result.data.map((provider) => provider.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) throw new Error(`MODEL_PROVIDERS names provider "${duplicate}" twice`);
  return result.data;
}

function toToolSet(tools: readonly ModelTool[]): ToolSet {
  return Object.fromEntries(
    tools.map((definition) => [
      definition.name,
      tool({
        description: definition.description,
        inputSchema: definition.parameters,
        execute: (input, { abortSignal }) => definition.execute(input, abortSignal),
      }),
    ]),
  );
}

function isRetryable(error: unknown): boolean {
  if (APICallError.isInstance(error)) return error.isRetryable;
  // fetch rejects with a TypeError when the connection fails outright.
  return error instanceof TypeError && /fetch failed/i.test(error.message);
}

/** The provider's refusal, as a person can read it, with the status and body kept as details. */
function describeFailure(provider: string, error: unknown, attempts: number): ExecutionFailure {
  if (APICallError.isInstance(error)) {
    const status = error.statusCode ? `HTTP ${error.statusCode}` : 'no response';
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    return new ExecutionFailure(`Model provider "${provider}" failed (${status})${tries}: ${error.message}`, error.isRetryable, {
      cause: error,
      details: [`POST ${error.url}`, `status: ${error.statusCode ?? 'none'}`, `body: ${error.responseBody ?? ''}`].join('\n'),
    });
  }
  if (isRetryable(error)) {
    return new ExecutionFailure(`Model provider "${provider}" could not be reached after ${attempts} attempts`, true, {
      cause: error,
      details: String((error as Error).cause ?? error),
    });
  }
  return new ExecutionFailure(`Model provider "${provider}" failed: ${error instanceof Error ? error.message : String(error)}`, false, {
    cause: error,
    details: error instanceof Error ? error.stack : undefined,
  });
}

export interface OpenAICompatibleModels {
  languageModels: LanguageModel[];
  embeddingModels: EmbeddingModel[];
}

/** Language and embedding models for the configured endpoints, through the AI SDK. */
export function createOpenAICompatibleModels(
  configs: readonly ProviderConfig[],
  options: { retry?: RetryPolicy; fetch?: typeof fetch } = {},
): OpenAICompatibleModels {
  const retry = options.retry ?? defaultRetryPolicy;
  const languageModels: LanguageModel[] = [];
  const embeddingModels: EmbeddingModel[] = [];
  for (const config of configs) {
    const provider = createOpenAICompatible({
      name: config.name,
      baseURL: config.baseURL,
      ...(config.apiKey ? { apiKey: config.apiKey } : {}),
      ...(config.headers ? { headers: config.headers } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      includeUsage: true,
    });
    for (const modelName of config.models) {
      languageModels.push({
        ids: [`${config.name}/${modelName}`],
        generate: (request) => generate(config.name, () => provider.chatModel(modelName), request, retry),
      });
    }
    for (const modelName of config.embeddingModels) {
      const model = provider.embeddingModel(modelName);
      embeddingModels.push({
        id: `${config.name}/${modelName}`,
        async embed(texts, signal) {
          try {
            const { embeddings } = await embedMany({ model, values: [...texts], abortSignal: signal, maxRetries: retry.attempts - 1 });
            return embeddings.map((embedding) => normalise(embedding));
          } catch (error) {
            throw describeFailure(config.name, error, retry.attempts);
          }
        },
      });
    }
  }
  return { languageModels, embeddingModels };
}

function generate(providerName: string, model: () => Parameters<typeof streamText>[0]['model'], request: ModelRequest, retry: RetryPolicy): ModelStream {
  const usage = deferred<ModelUsage>();
  async function* stream(): AsyncIterable<string> {
    for (let attempt = 1; ; attempt++) {
      let output = '';
      // Once a tool has run, a retry would run it again (and report it twice): only a call that
      // has produced nothing yet is retried.
      let toolCalled = false;
      try {
        const result = streamText({
          model: model(),
          prompt: request.prompt,
          ...(request.tools.length > 0 ? { tools: toToolSet(request.tools), stopWhen: stepCountIs(request.maxSteps) } : {}),
          ...(request.maxOutputTokens !== undefined ? { maxOutputTokens: request.maxOutputTokens } : {}),
          abortSignal: request.signal,
          // Retried here instead, so a retry never repeats text a reader has already seen.
          maxRetries: 0,
          // Errors arrive as `error` parts below and are reported there; the default logs them too.
          onError: () => {},
        });
        let step = 0;
        for await (const part of result.fullStream) {
          if (part.type === 'text-delta') {
            output += part.text;
            yield part.text;
          } else if (part.type === 'tool-call') {
            toolCalled = true;
          } else if (part.type === 'finish-step') {
            step++;
            if (part.finishReason === 'tool-calls') request.onStep?.(step);
          } else if (part.type === 'error') {
            throw part.error;
          } else if (part.type === 'abort') {
            request.signal?.throwIfAborted();
            throw new Error('The model call was aborted');
          }
        }
        const total = await result.totalUsage;
        // The provider's own counts when it reports them.
        usage.resolve({
          inputTokens: total.inputTokens ?? countTokens(request.prompt),
          outputTokens: total.outputTokens ?? countTokens(output),
        });
        return;
      } catch (error) {
        request.signal?.throwIfAborted();
        if (output.length > 0 || toolCalled || !isRetryable(error) || attempt >= retry.attempts) throw describeFailure(providerName, error, attempt);
        await sleep(backoffDelay(attempt, retry), undefined, { signal: request.signal });
      }
    }
  }
  return { textStream: stream(), usage: usage.promise };
}
