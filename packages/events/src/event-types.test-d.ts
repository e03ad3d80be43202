import { describe, expectTypeOf, it } from 'vitest';
import type { EventDraft, EventPayload, EventType, ExecutionEvent, ExecutionEventOf, StoredEventOf } from './index.ts';

/** The seed document's payloads, written out by hand: the contract must infer exactly these. */
interface SeedPayloads {
  'execution-start': { executionId: number; totalPrompts: number; toolName: string; timestamp: string; eventId: string };
  'execution-complete': { executionId: number; totalTokens: number; duration: number; success: true; timestamp: string; eventId: string };
  'execution-error': {
    executionId: number;
    error: string;
    promptId?: number | undefined;
    recoverable: boolean;
    details?: string | undefined;
    timestamp: string;
    eventId: string;
  };
  'prompt-start': {
    promptId: number;
    promptName: string;
    position: number;
    totalPrompts: number;
    modelId: string;
    hasKnowledge: boolean;
    hasTools: boolean;
    timestamp: string;
    eventId: string;
  };
  'prompt-complete': { promptId: number; outputTokens: number; duration: number; cached: boolean; timestamp: string; eventId: string };
  'knowledge-retrieval-start': {
    promptId: number;
    repositories: number[];
    searchType: 'vector' | 'keyword' | 'hybrid';
    timestamp: string;
    eventId: string;
  };
  'knowledge-retrieved': { promptId: number; documentsFound: number; relevanceScore: number; tokens: number; timestamp: string; eventId: string };
  'variable-substitution': {
    promptId: number;
    variables: Record<string, string>;
    sourcePrompts: number[];
    timestamp: string;
    eventId: string;
  };
  'tool-execution-start': {
    promptId: number;
    toolName: string;
    parameters?: Record<string, unknown> | undefined;
    timestamp: string;
    eventId: string;
  };
  'tool-execution-complete': {
    promptId: number;
    toolName: string;
    success: boolean;
    result?: unknown;
    error?: string | undefined;
    timestamp: string;
    eventId: string;
  };
  progress: { currentStep: number; totalSteps: number; percentage: number; message: string; timestamp: string; eventId: string };
}

describe('the event contract', () => {
  it('names exactly the seed’s eleven event types', () => {
    expectTypeOf<EventType>().toEqualTypeOf<keyof SeedPayloads>();
  });

  it('infers each payload exactly as the seed gives it', () => {
    expectTypeOf<EventPayload<'execution-start'>>().toEqualTypeOf<SeedPayloads['execution-start']>();
    expectTypeOf<EventPayload<'execution-complete'>>().toEqualTypeOf<SeedPayloads['execution-complete']>();
    expectTypeOf<EventPayload<'execution-error'>>().toEqualTypeOf<SeedPayloads['execution-error']>();
    expectTypeOf<EventPayload<'prompt-start'>>().toEqualTypeOf<SeedPayloads['prompt-start']>();
    expectTypeOf<EventPayload<'prompt-complete'>>().toEqualTypeOf<SeedPayloads['prompt-complete']>();
    expectTypeOf<EventPayload<'knowledge-retrieval-start'>>().toEqualTypeOf<SeedPayloads['knowledge-retrieval-start']>();
    expectTypeOf<EventPayload<'knowledge-retrieved'>>().toEqualTypeOf<SeedPayloads['knowledge-retrieved']>();
    expectTypeOf<EventPayload<'variable-substitution'>>().toEqualTypeOf<SeedPayloads['variable-substitution']>();
    expectTypeOf<EventPayload<'tool-execution-start'>>().toEqualTypeOf<SeedPayloads['tool-execution-start']>();
    expectTypeOf<EventPayload<'tool-execution-complete'>>().toEqualTypeOf<SeedPayloads['tool-execution-complete']>();
    expectTypeOf<EventPayload<'progress'>>().toEqualTypeOf<SeedPayloads['progress']>();
  });

  it('narrows the union by eventType', () => {
    const narrow = (event: ExecutionEvent) => {
      if (event.eventType === 'knowledge-retrieved') {
        expectTypeOf(event.eventData).toEqualTypeOf<SeedPayloads['knowledge-retrieved']>();
      }
      if (event.eventType === 'execution-complete') {
        expectTypeOf(event.eventData.success).toEqualTypeOf<true>();
      }
    };
    expectTypeOf(narrow).toBeFunction();
    expectTypeOf<ExecutionEventOf<'prompt-start'>['eventData']>().toEqualTypeOf<SeedPayloads['prompt-start']>();
    expectTypeOf<StoredEventOf<'progress'>['eventData']>().toEqualTypeOf<SeedPayloads['progress']>();
    expectTypeOf<StoredEventOf<'progress'>['sequence']>().toEqualTypeOf<number>();
  });

  it('lets the engine emit drafts without the stamp, and only valid ones', () => {
    expectTypeOf<{ eventType: 'prompt-complete'; eventData: { promptId: 1; outputTokens: 2; duration: 3; cached: false } }>().toExtend<EventDraft>();
    expectTypeOf<{ eventType: 'prompt-complete'; eventData: { promptId: 1; outputTokens: 2 } }>().not.toExtend<EventDraft>();
    expectTypeOf<{ eventType: 'prompt-finished'; eventData: object }>().not.toExtend<EventDraft>();
  });
});
