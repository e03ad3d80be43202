import { deferred } from '@aae/events';
import { fnv1a } from './fnv1a.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { countTokens, truncateToTokens, type LanguageModel, type ModelRequest, type ModelStream, type ModelUsage } from './model.ts';

export interface LocalModelOptions {
  /** Pause between streamed chunks, so a run is watchable; 0 in tests. */
  chunkDelayMs?: number;
  /** Words per streamed chunk. */
  wordsPerChunk?: number;
}

/** A stable hash, so the same prompt always yields the same text. */
const hash = fnv1a;

/**
 * The prompt's topics: runs of up to three consecutive content words ("urban heat islands"),
 * most frequent first, then in order of first appearance.
 */
function keyTerms(prompt: string, count: number): string[] {
  const phrases = new Map<string, { count: number; first: number }>();
  let run: string[] = [];
  const close = () => {
    for (let start = 0; start < run.length; start += 3) {
      const phrase = run.slice(start, start + 3).join(' ');
      const seen = phrases.get(phrase);
      if (seen) seen.count++;
      else phrases.set(phrase, { count: 1, first: phrases.size });
    }
    run = [];
  };
  for (const token of prompt.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}-]*|[^\s\p{L}\p{N}]/gu) ?? []) {
    if (/^[\p{L}][\p{L}\p{N}-]{2,}$/u.test(token) && !STOPWORDS.has(token)) {
      // A heading repeated as the first words of its text is one term, not "tides tides".
      if (run.at(-1) !== token) run.push(token);
    } else close();
  }
  close();
  return [...phrases.entries()]
    .sort((a, b) => b[1].count - a[1].count || a[1].first - b[1].first)
    .slice(0, count)
    .map(([phrase]) => phrase);
}

const OPENINGS = ['Here is a considered answer.', 'A short response follows.', 'The request is addressed below.', 'What follows answers the prompt directly.'];

const FRAMES = [
  (term: string) => `${capitalise(term)} matters because it shapes the rest of the answer.`,
  (term: string) => `On ${term}, the main point is to be specific and evidence-led.`,
  (term: string) => `${capitalise(term)} should be weighed against cost, risk and time.`,
  (term: string) => `A reader will want ${term} explained with one concrete example.`,
  (term: string) => `The open question about ${term} is what changes next.`,
];

const FRAME_WORDS = [...OPENINGS, ...FRAMES.map((frame) => frame(''))].join(' ');

/**
 * Words that carry no topic: common English, and every word of the model's own sentence frames,
 * so that a later prompt fed an earlier output picks out the topic, not the filler.
 */
const STOPWORDS = new Set(
  [
    'a an and are as at be brief by for from has have in into is it its of on one or should that the these this',
    'to was were what which who will with write about list short summarise summarize paragraph questions answers',
    'answer key them they their there than then such each your you our not can may also more most very',
    FRAME_WORDS,
  ]
    .join(' ')
    .toLowerCase()
    .match(/[\p{L}][\p{L}\p{N}-]*/gu),
);

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** The text the local model writes for a prompt: deterministic, built from the prompt's own terms. */
function composeLocalResponse(prompt: string): string {
  const seed = hash(prompt);
  const terms = keyTerms(prompt, 5);
  const sentences = [OPENINGS[seed % OPENINGS.length] as string];
  terms.forEach((term, index) => {
    const frame = FRAMES[(seed + index) % FRAMES.length] as (term: string) => string;
    sentences.push(frame(term));
  });
  if (terms.length === 0) sentences.push('The prompt gave no terms to work with, so this answer stays general.');
  return sentences.join(' ');
}

/** `[[tool:calculator {"expression": "6*7"}]]` in a prompt makes the local model call that tool. */
const TOOL_DIRECTIVE = /\[\[tool:([A-Za-z_][\w-]*)\s*(\{[\s\S]*?\})?\s*\]\]/g;

function parseToolDirectives(prompt: string): { text: string; calls: Array<{ name: string; input: string }> } {
  const calls = [...prompt.matchAll(TOOL_DIRECTIVE)].map((match) => ({ name: match[1]!, input: match[2] ?? '{}' }));
  return {
    text: prompt
      .replace(TOOL_DIRECTIVE, '')
      .replace(/[ \t]{2,}/g, ' ')
      .trim(),
    calls,
  };
}

/** A tool result as a sentence would mention it: its own words or sum where it has them. */
function describeResult(result: unknown): string {
  if (typeof result === 'string') return result;
  const fields = (result ?? {}) as Record<string, unknown>;
  if (typeof fields.expression === 'string' && typeof fields.value === 'number') {
    return `${fields.expression} = ${Number(fields.value.toPrecision(6))}`;
  }
  if (typeof fields.text === 'string') return fields.text;
  return JSON.stringify(result);
}

async function callTools(request: ModelRequest, calls: Array<{ name: string; input: string }>): Promise<string[]> {
  const sentences: string[] = [];
  // The last step is the answer itself, as with a real model's tool loop.
  for (const [index, call] of calls.slice(0, Math.max(0, request.maxSteps - 1)).entries()) {
    request.signal?.throwIfAborted();
    const tool = request.tools.find((candidate) => candidate.name === call.name);
    if (!tool) {
      sentences.push(`The tool ${call.name} is not enabled for this prompt.`);
      continue;
    }
    let input: unknown;
    try {
      input = JSON.parse(call.input);
    } catch {
      sentences.push(`The arguments for ${call.name} are not valid JSON.`);
      continue;
    }
    try {
      const result = await tool.execute(input as Record<string, unknown>, request.signal);
      sentences.push(`Using ${call.name}: ${describeResult(result)}.`);
    } catch (error) {
      if (request.signal?.aborted) throw error;
      sentences.push(`${call.name} failed: ${error instanceof Error ? error.message : String(error)}.`);
    }
    request.onStep?.(index + 1);
  }
  return sentences;
}

/**
 * A model that needs no network and no key: it composes its answer from the prompt and streams
 * it in chunks, so the whole product runs anywhere. Model id `local`. Tool directives in the
 * prompt are carried out through the tools it is given, so tool events can be seen offline.
 */
export function createLocalModel(options: LocalModelOptions = {}): LanguageModel {
  const chunkDelayMs = options.chunkDelayMs ?? 40;
  const wordsPerChunk = options.wordsPerChunk ?? 3;
  return {
    ids: ['local'],
    generate(request: ModelRequest): ModelStream {
      const usage = deferred<ModelUsage>();
      async function* stream(): AsyncIterable<string> {
        const { text: prompt, calls } = parseToolDirectives(request.prompt);
        const toolSentences = await callTools(request, calls);
        let text = [...toolSentences, composeLocalResponse(prompt)].join(' ');
        if (request.maxOutputTokens !== undefined) text = truncateToTokens(text, request.maxOutputTokens);
        const words = text.split(/(?<= )/);
        for (let i = 0; i < words.length; i += wordsPerChunk) {
          request.signal?.throwIfAborted();
          if (chunkDelayMs > 0) await sleep(chunkDelayMs, undefined, { signal: request.signal });
          yield words.slice(i, i + wordsPerChunk).join('');
        }
        usage.resolve({ inputTokens: countTokens(request.prompt), outputTokens: countTokens(text) });
      }
      return { textStream: stream(), usage: usage.promise };
    },
  };
}
