import type { StoredEvent } from '@aae/events';
import { describe, expect, it } from 'vitest';
import { type ExecutionEventsAction, executionEventsReducer, initialExecutionEventsState } from './execution-events-state.ts';
import { foldExecutionEvents, type PlannedPrompt } from './fold.ts';
import { storedEvent } from './testing.ts';

const stored = (sequence: number, eventType: StoredEvent['eventType'], data: Record<string, unknown>) => storedEvent(sequence, sequence * 10, eventType, data);

const plan: PlannedPrompt[] = [
  { id: 7, name: 'Research', modelId: 'local', repositoryIds: [1], enabledTools: ['calculator'] },
  { id: 8, name: 'Write', modelId: 'local', repositoryIds: [], enabledTools: [] },
];

const run = [
  stored(1, 'execution-start', { executionId: 1, totalPrompts: 2, toolName: 'Brief Writer' }),
  stored(2, 'prompt-start', { promptId: 7, promptName: 'Research', position: 1, totalPrompts: 2, modelId: 'local', hasKnowledge: true, hasTools: true }),
  stored(3, 'knowledge-retrieval-start', { promptId: 7, repositories: [1], searchType: 'hybrid' }),
  stored(4, 'knowledge-retrieved', { promptId: 7, documentsFound: 2, relevanceScore: 0.5, tokens: 80 }),
  stored(5, 'tool-execution-start', { promptId: 7, toolName: 'calculator', parameters: { expression: '6*7' } }),
  stored(6, 'tool-execution-complete', { promptId: 7, toolName: 'calculator', success: true, result: 42 }),
  stored(7, 'prompt-complete', { promptId: 7, outputTokens: 5, duration: 50, cached: false }),
  stored(8, 'progress', { currentStep: 1, totalSteps: 2, percentage: 50, message: 'Halfway' }),
  stored(9, 'prompt-start', { promptId: 8, promptName: 'Write', position: 2, totalPrompts: 2, modelId: 'local', hasKnowledge: false, hasTools: false }),
  stored(10, 'variable-substitution', { promptId: 8, variables: { research: '42' }, sourcePrompts: [7] }),
  stored(11, 'prompt-complete', { promptId: 8, outputTokens: 9, duration: 20, cached: true }),
  stored(12, 'execution-complete', { executionId: 1, totalTokens: 94, duration: 110 }),
];

const events = (...list: StoredEvent[]): ExecutionEventsAction[] => list.map((event) => ({ type: 'event', event }));
const reduce = (actions: ExecutionEventsAction[]) => actions.reduce(executionEventsReducer, initialExecutionEventsState);

describe('the execution fold', () => {
  it('gives the same view folding the events one by one as they arrive as folding them all at once', () => {
    const state = reduce([{ type: 'plan', plan }, ...events(...run)]);
    expect(state.view).toEqual(foldExecutionEvents(plan, run));
    expect(state.view).toMatchObject({ status: 'complete', toolName: 'Brief Writer', completedPrompts: 2, totalTokens: 94, durationMs: 110 });
    expect(state.view.prompts.map((prompt) => [prompt.name, prompt.status, prompt.tools.map((tool) => tool.result)])).toEqual([
      ['Research', 'complete', [42]],
      ['Write', 'complete', []],
    ]);
  });

  it('folds each prefix the same way, which is what replay shows', () => {
    const states = run.map((_, index) => reduce([{ type: 'plan', plan }, ...events(...run.slice(0, index + 1))]));
    states.forEach((state, index) => {
      expect(state.view).toEqual(foldExecutionEvents(plan, run.slice(0, index + 1)));
    });
    expect(states[2]?.view.prompts[0]).toMatchObject({ status: 'running', knowledge: { searchType: 'hybrid' } });
    expect(states[2]?.view.prompts[0]?.knowledge?.documentsFound).toBeUndefined();
  });

  it('ignores an event it already holds, so a replay after a reset counts nothing twice', () => {
    const once = reduce(events(...run));
    const twice = reduce(events(...run.slice(0, 8), ...run.slice(4), ...run.slice(10)));
    expect(twice.view).toEqual(once.view);
    expect(twice.events).toEqual(once.events);
    expect(twice.duplicatesIgnored).toBe(6);
    expect(twice.view.completedPrompts).toBe(2);
  });

  it('drops an event older than the last one held, as it drops a repeat', () => {
    const [first, second, third] = run;
    if (!first || !second || !third) throw new Error('the run has three events');
    const state = reduce(events(first, third, second));
    expect(state.events.map((event) => event.sequence)).toEqual([1, 3]);
    expect(state.view).toEqual(foldExecutionEvents([], [first, third]));
    expect(state.duplicatesIgnored).toBe(1);
  });

  it('gives the same view when the plan arrives after the first events', () => {
    const early = reduce([{ type: 'plan', plan }, ...events(...run.slice(0, 3))]);
    const late = reduce([...events(...run.slice(0, 3)), { type: 'plan', plan }]);
    expect(late.view).toEqual(early.view);
    expect(late.view.prompts.map((prompt) => [prompt.name, prompt.status])).toEqual([
      ['Research', 'running'],
      ['Write', 'pending'],
    ]);
  });
});
