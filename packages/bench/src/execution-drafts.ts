import type { EventDraft } from '@aae/events';
import { progressDraft } from './progress-draft.ts';

/** Events a prompt emits in the order the engine emits them, progress included. */
const EVENTS_PER_PROMPT = 11;

/**
 * The events one execution emits, in order, as the engine does for a chain of `prompts` prompts
 * that each search knowledge, substitute variables, call a tool and report progress: every
 * type of the contract but `execution-error`, with payloads of realistic size.
 */
export function executionDrafts(executionId: number, prompts: number): EventDraft[] {
  const drafts: EventDraft[] = [{ eventType: 'execution-start', eventData: { executionId, totalPrompts: prompts, toolName: 'Benchmark assistant' } }];
  for (let promptId = 1; promptId <= prompts; promptId++) {
    drafts.push(
      {
        eventType: 'prompt-start',
        eventData: {
          promptId,
          promptName: `Prompt ${promptId}`,
          position: promptId,
          totalPrompts: prompts,
          modelId: 'local',
          hasKnowledge: true,
          hasTools: true,
        },
      },
      { eventType: 'knowledge-retrieval-start', eventData: { promptId, repositories: [1, 2], searchType: 'hybrid' } },
      { eventType: 'knowledge-retrieved', eventData: { promptId, documentsFound: 4 + (promptId % 5), relevanceScore: 0.82, tokens: 1_200 + promptId } },
      {
        eventType: 'variable-substitution',
        eventData: { promptId, variables: { topic: 'Quarterly revenue by region', audience: 'the board' }, sourcePrompts: promptId > 1 ? [promptId - 1] : [] },
      },
      { eventType: 'tool-execution-start', eventData: { promptId, toolName: 'calculator', parameters: { expression: `${promptId} * 1.07` } } },
      { eventType: 'tool-execution-complete', eventData: { promptId, toolName: 'calculator', success: true, result: { value: promptId * 1.07 } } },
      ...[1, 2, 3, 4].map((step) => progressDraft((promptId - 1) * 4 + step, prompts * 4)),
      { eventType: 'prompt-complete', eventData: { promptId, outputTokens: 180 + promptId, duration: 900 + promptId, cached: false } },
    );
  }
  drafts.push({ eventType: 'execution-complete', eventData: { executionId, totalTokens: prompts * 200, duration: prompts * 950, success: true } });
  return drafts;
}

/** How many events `executionDrafts(_, prompts)` gives. */
export function eventsPerExecution(prompts: number): number {
  return 2 + prompts * EVENTS_PER_PROMPT;
}
