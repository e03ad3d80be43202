import type { StoredEvent } from '@aae/events';
import { MultiBar, type SingleBar } from 'cli-progress';
import { eventJson, eventLine, type PromptNames } from './event-lines.ts';

/** How a watched execution's events are shown as they arrive. */
export interface EventView {
  show(event: StoredEvent): void;
  /** The text a model writes, as it writes it; only the bars use it. */
  output?(delta: OutputDelta): void;
  /** Leaves the terminal as it should stay (bars drawn once more, cursor back). */
  stop(): void;
}

/** NDJSON, one stored event a line, for scripts (`--json`). */
export function jsonView(out: NodeJS.WritableStream): EventView {
  return { show: (event) => out.write(`${eventJson(event)}\n`), stop: () => {} };
}

/** One plain line per event, for pipes and logs where bars cannot be drawn. */
export function lineView(out: NodeJS.WritableStream): EventView {
  const names: PromptNames = new Map();
  return { show: (event) => out.write(`${eventLine(event, names)}\n`), stop: () => {} };
}

export interface OutputDelta {
  promptId: number;
  text: string;
  replace: boolean;
}

/** Each prompt's output limit (`maxOutputTokens`), where it has one: writing then fills the bar towards it. */
export type PromptLimits = ReadonlyMap<number, number | null | undefined>;

/** Roughly how many tokens a text is: about four characters each in English. */
const estimateTokens = (characters: number) => Math.ceil(characters / 4);

const LABEL_WIDTH = 28;
const clip = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));

/**
 * A prompt's bar moves through the stages the events report (the model's text is not an event,
 * so writing is one stage): started, inputs substituted, knowledge searched and found, tools run
 * (tool rounds as `progress` report them), complete.
 */
const STAGE_PERCENT = {
  started: 5,
  substituted: 15,
  retrieving: 25,
  retrieved: 40,
  tools: 50,
  /** Writing fills up to here as the text approaches the prompt's output limit. */
  written: 95,
  complete: 100,
} as const;

interface PromptBar {
  bar: SingleBar;
  percent: number;
  /** Where the bar stood when the first text came (after retrieval and tools). */
  writingFrom: number | null;
}

/** One bar for the execution (prompts done of all) and one per prompt, redrawn in place on a terminal. */
export function barsView(out: NodeJS.WriteStream, limits: PromptLimits = new Map()): EventView {
  const bars = new MultiBar({
    stream: out,
    hideCursor: true,
    clearOnComplete: false,
    autopadding: true,
    barsize: 30,
    barCompleteChar: '█',
    barIncompleteChar: '░',
    format: '{label} |{bar}| {percentage}% {status}',
  });
  const overall = bars.create(1, 0, { label: clip('Execution', LABEL_WIDTH), status: 'waiting for a worker' });
  const prompts = new Map<number, PromptBar>();
  let promptsDone = 0;
  let currentPrompt: number | null = null;

  // Characters each prompt's model wrote so far. The text comes on its own stream, so it may
  // arrive before the event that makes the prompt's bar: it is kept until then.
  const written = new Map<number, number>();

  /** Once the model has written, the bar says how much (and fills towards the prompt's limit, if it has one). */
  const showWriting = (promptId: number) => {
    const prompt = prompts.get(promptId);
    const characters = written.get(promptId);
    if (!prompt || characters === undefined || prompt.percent >= STAGE_PERCENT.complete) return;
    const tokens = estimateTokens(characters);
    const limit = limits.get(promptId);
    prompt.writingFrom ??= Math.max(prompt.percent, STAGE_PERCENT.substituted);
    const percent = limit ? prompt.writingFrom + Math.floor((STAGE_PERCENT.written - prompt.writingFrom) * Math.min(1, tokens / limit)) : prompt.writingFrom;
    prompt.percent = Math.max(prompt.percent, percent);
    prompt.bar.update(prompt.percent, { status: limit ? `writing, ~${tokens} of at most ${limit} tokens` : `writing, ~${tokens} tokens` });
  };

  const advance = (promptId: number, percent: number, status: string) => {
    const prompt = prompts.get(promptId);
    if (!prompt) return;
    prompt.percent = Math.max(prompt.percent, percent);
    prompt.bar.update(prompt.percent, { status });
    // A stage that leads to writing: what was written already shows at once.
    if (status.endsWith('writing')) showWriting(promptId);
  };

  return {
    show(event) {
      switch (event.eventType) {
        case 'execution-start':
          overall.setTotal(event.eventData.totalPrompts);
          overall.update(promptsDone, { status: `0/${event.eventData.totalPrompts} prompts` });
          break;
        case 'prompt-start': {
          const { promptId, position, promptName, modelId } = event.eventData;
          if (!prompts.has(promptId)) {
            const bar = bars.create(100, 0, { label: clip(`${position}. ${promptName}`, LABEL_WIDTH), status: '' });
            prompts.set(promptId, { bar, percent: 0, writingFrom: null });
          }
          currentPrompt = promptId;
          advance(promptId, STAGE_PERCENT.started, `starting on ${modelId}`);
          // Its text may have come first (it travels on the other stream).
          showWriting(promptId);
          break;
        }
        case 'variable-substitution':
          advance(event.eventData.promptId, STAGE_PERCENT.substituted, 'writing');
          break;
        case 'knowledge-retrieval-start':
          advance(event.eventData.promptId, STAGE_PERCENT.retrieving, `searching knowledge (${event.eventData.searchType})`);
          break;
        case 'knowledge-retrieved':
          advance(event.eventData.promptId, STAGE_PERCENT.retrieved, `${event.eventData.documentsFound} document(s) found, writing`);
          break;
        case 'tool-execution-start':
          advance(event.eventData.promptId, STAGE_PERCENT.tools, `running ${event.eventData.toolName}`);
          break;
        case 'tool-execution-complete':
          advance(event.eventData.promptId, STAGE_PERCENT.tools, `${event.eventData.toolName} ${event.eventData.success ? 'done' : 'failed'}, writing`);
          break;
        case 'progress':
          // Tool rounds of the prompt running now; a resume's progress speaks of the whole execution.
          if (event.eventData.message.startsWith('Prompt ') && currentPrompt !== null) {
            advance(
              currentPrompt,
              STAGE_PERCENT.tools + Math.round(event.eventData.percentage * 0.4),
              event.eventData.message.replace(/^Prompt "[^"]*": /, ''),
            );
          } else {
            overall.update(promptsDone, { status: event.eventData.message });
          }
          break;
        case 'prompt-complete': {
          const { promptId, outputTokens, duration, cached } = event.eventData;
          promptsDone += 1;
          advance(promptId, STAGE_PERCENT.complete, `${outputTokens} tokens, ${(duration / 1000).toFixed(1)} s${cached ? ', cached' : ''}`);
          overall.update(promptsDone, { status: `${promptsDone}/${overall.getTotal()} prompts` });
          break;
        }
        case 'execution-complete':
          overall.update(overall.getTotal(), {
            status: `completed, ${event.eventData.totalTokens} tokens in ${(event.eventData.duration / 1000).toFixed(1)} s`,
          });
          break;
        case 'execution-error':
          for (const [promptId, prompt] of prompts) {
            if (prompt.percent < STAGE_PERCENT.complete && (event.eventData.promptId === undefined || event.eventData.promptId === promptId)) {
              prompt.bar.update(prompt.percent, { status: 'stopped' });
            }
          }
          overall.update(promptsDone, { status: `ended: ${clip(event.eventData.error, 60).trimEnd()}` });
          break;
      }
    },
    output(delta) {
      written.set(delta.promptId, (delta.replace ? 0 : (written.get(delta.promptId) ?? 0)) + delta.text.length);
      showWriting(delta.promptId);
    },
    stop: () => bars.stop(),
  };
}

/** Bars on a terminal, lines elsewhere, NDJSON when asked. */
export function chooseView(options: { json: boolean; out: NodeJS.WriteStream; progress: NodeJS.WriteStream; limits?: PromptLimits }): EventView {
  if (options.json) return jsonView(options.out);
  return options.progress.isTTY ? barsView(options.progress, options.limits) : lineView(options.progress);
}
