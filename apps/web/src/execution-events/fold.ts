import type { StoredEvent } from '@aae/events';

export type PromptStatus = 'pending' | 'running' | 'complete' | 'error';

export interface PlannedPrompt {
  id: number;
  name: string;
  modelId: string;
  repositoryIds: readonly number[];
  enabledTools: readonly string[];
}

export interface ToolCallView {
  toolName: string;
  parameters?: Record<string, unknown> | undefined;
  status: 'running' | 'complete' | 'error';
  result?: unknown;
  error?: string | undefined;
}

export interface PromptView {
  promptId: number;
  name: string;
  /** 1-indexed place in the chain, as the events give it; the plan's order until then. */
  position: number;
  modelId: string;
  status: PromptStatus;
  hasKnowledge: boolean;
  hasTools: boolean;
  startedAt?: string | undefined;
  durationMs?: number | undefined;
  outputTokens?: number | undefined;
  cached?: boolean | undefined;
  knowledge?: {
    repositories: number[];
    searchType: string;
    documentsFound?: number | undefined;
    relevanceScore?: number | undefined;
    tokens?: number | undefined;
  };
  substitution?: { variables: Record<string, string>; sourcePrompts: number[] };
  tools: ToolCallView[];
  error?: string | undefined;
}

/** Where a watched execution stands in the browser (not the stored status). */
export type LiveStatus = 'idle' | 'running' | 'complete' | 'error';

export interface ExecutionView {
  status: LiveStatus;
  toolName?: string | undefined;
  totalPrompts: number;
  prompts: PromptView[];
  completedPrompts: number;
  totalTokens?: number | undefined;
  durationMs?: number | undefined;
  startedAt?: string | undefined;
  error?: { message: string; recoverable: boolean; details?: string | undefined; promptId?: number | undefined };
  progress?: { currentStep: number; totalSteps: number; percentage: number; message: string };
  /** Sequence of the last event applied; events at or below it are ignored. */
  lastSequence: number;
}

/** The view before any event: every planned prompt pending. */
export function initialExecutionView(plan: readonly PlannedPrompt[] = []): ExecutionView {
  return {
    status: 'idle',
    totalPrompts: plan.length,
    completedPrompts: 0,
    lastSequence: 0,
    prompts: plan.map((prompt, index) => ({
      promptId: prompt.id,
      name: prompt.name,
      position: index + 1,
      modelId: prompt.modelId,
      status: 'pending',
      hasKnowledge: prompt.repositoryIds.length > 0,
      hasTools: prompt.enabledTools.length > 0,
      tools: [],
    })),
  };
}

function updatePrompt(view: ExecutionView, promptId: number, update: (prompt: PromptView) => PromptView): PromptView[] {
  const exists = view.prompts.some((prompt) => prompt.promptId === promptId);
  const prompts = exists
    ? view.prompts
    : [
        ...view.prompts,
        {
          promptId,
          name: `Prompt ${promptId}`,
          position: view.prompts.length + 1,
          modelId: '',
          status: 'pending' as const,
          hasKnowledge: false,
          hasTools: false,
          tools: [],
        },
      ];
  return prompts.map((prompt) => (prompt.promptId === promptId ? update(prompt) : prompt));
}

/** Folds one stored event into the view. Pure; an event already applied is ignored. */
export function applyExecutionEvent(view: ExecutionView, event: StoredEvent): ExecutionView {
  if (event.sequence <= view.lastSequence) return view;
  const next: ExecutionView = { ...view, lastSequence: event.sequence };
  switch (event.eventType) {
    case 'execution-start': {
      const data = event.eventData;
      return { ...next, status: 'running', toolName: data.toolName, totalPrompts: data.totalPrompts, startedAt: data.timestamp };
    }
    case 'prompt-start': {
      const data = event.eventData;
      const prompts = updatePrompt(next, data.promptId, (prompt) => ({
        ...prompt,
        name: data.promptName,
        position: data.position,
        modelId: data.modelId,
        hasKnowledge: data.hasKnowledge,
        hasTools: data.hasTools,
        status: 'running',
        startedAt: data.timestamp,
      }));
      return { ...next, totalPrompts: data.totalPrompts, prompts: sortByPosition(prompts) };
    }
    case 'knowledge-retrieval-start': {
      const data = event.eventData;
      return {
        ...next,
        prompts: updatePrompt(next, data.promptId, (prompt) => ({
          ...prompt,
          knowledge: { repositories: data.repositories, searchType: data.searchType },
        })),
      };
    }
    case 'knowledge-retrieved': {
      const data = event.eventData;
      return {
        ...next,
        prompts: updatePrompt(next, data.promptId, (prompt) => ({
          ...prompt,
          knowledge: {
            repositories: prompt.knowledge?.repositories ?? [],
            searchType: prompt.knowledge?.searchType ?? 'unknown',
            documentsFound: data.documentsFound,
            relevanceScore: data.relevanceScore,
            tokens: data.tokens,
          },
        })),
      };
    }
    case 'variable-substitution': {
      const data = event.eventData;
      return {
        ...next,
        prompts: updatePrompt(next, data.promptId, (prompt) => ({
          ...prompt,
          substitution: { variables: data.variables, sourcePrompts: data.sourcePrompts },
        })),
      };
    }
    case 'tool-execution-start': {
      const data = event.eventData;
      return {
        ...next,
        prompts: updatePrompt(next, data.promptId, (prompt) => ({
          ...prompt,
          tools: [...prompt.tools, { toolName: data.toolName, parameters: data.parameters, status: 'running' }],
        })),
      };
    }
    case 'tool-execution-complete': {
      const data = event.eventData;
      return {
        ...next,
        prompts: updatePrompt(next, data.promptId, (prompt) => {
          // The earliest call of this tool still running is the one that finished.
          const index = prompt.tools.findIndex((tool) => tool.toolName === data.toolName && tool.status === 'running');
          const finished: ToolCallView = {
            toolName: data.toolName,
            parameters: index >= 0 ? prompt.tools[index]?.parameters : undefined,
            status: data.success ? 'complete' : 'error',
            result: data.result,
            error: data.error,
          };
          const tools = index >= 0 ? prompt.tools.map((tool, i) => (i === index ? finished : tool)) : [...prompt.tools, finished];
          return { ...prompt, tools };
        }),
      };
    }
    case 'prompt-complete': {
      const data = event.eventData;
      return {
        ...next,
        completedPrompts: next.completedPrompts + 1,
        prompts: updatePrompt(next, data.promptId, (prompt) => ({
          ...prompt,
          status: 'complete',
          durationMs: data.duration,
          outputTokens: data.outputTokens,
          cached: data.cached,
        })),
      };
    }
    case 'progress': {
      const { currentStep, totalSteps, percentage, message } = event.eventData;
      return { ...next, progress: { currentStep, totalSteps, percentage, message } };
    }
    case 'execution-complete': {
      const data = event.eventData;
      return { ...next, status: 'complete', totalTokens: data.totalTokens, durationMs: data.duration };
    }
    case 'execution-error': {
      const data = event.eventData;
      const prompts =
        data.promptId !== undefined ? updatePrompt(next, data.promptId, (prompt) => ({ ...prompt, status: 'error', error: data.error })) : next.prompts;
      return {
        ...next,
        status: 'error',
        prompts,
        error: { message: data.error, recoverable: data.recoverable, details: data.details, promptId: data.promptId },
      };
    }
  }
}

function sortByPosition(prompts: PromptView[]): PromptView[] {
  return [...prompts].sort((a, b) => a.position - b.position || a.promptId - b.promptId);
}

export function buildExecutionView(plan: readonly PlannedPrompt[], events: readonly StoredEvent[]): ExecutionView {
  return events.reduce(applyExecutionEvent, initialExecutionView(plan));
}
