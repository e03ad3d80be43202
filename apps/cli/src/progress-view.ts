import type { StoredEvent } from '@aae/events';
import { MultiBar, type SingleBar } from 'cli-progress';
import { eventJson, eventLine, type PromptNames } from './event-lines.ts';

/** How a watched execution's events are shown as they arrive. */
export interface EventView {
  show(event: StoredEvent): void;
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
  complete: 100,
} as const;

interface PromptBar {
  bar: SingleBar;
  percent: number;
}

/** One bar for the execution (prompts done of all) and one per prompt, redrawn in place on a terminal. */
export function barsView(out: NodeJS.WriteStream): EventView {
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

  const advance = (promptId: number, percent: number, status: string) => {
    const prompt = prompts.get(promptId);
    if (!prompt) return;
    prompt.percent = Math.max(prompt.percent, percent);
    prompt.bar.update(prompt.percent, { status });
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
            prompts.set(promptId, { bar, percent: 0 });
          }
          currentPrompt = promptId;
          advance(promptId, STAGE_PERCENT.started, `starting on ${modelId}`);
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
    stop: () => bars.stop(),
  };
}

/** Bars on a terminal, lines elsewhere, NDJSON when asked. */
export function chooseView(options: { json: boolean; out: NodeJS.WriteStream; progress: NodeJS.WriteStream }): EventView {
  if (options.json) return jsonView(options.out);
  return options.progress.isTTY ? barsView(options.progress) : lineView(options.progress);
}
