import type { StoredEvent } from '@aae/events';

export type PromptStatus = 'pending' | 'running' | 'complete' | 'error';

export interface PlannedPrompt {
  id: number;
  name: string;
  modelId: string;
  repositoryIds: readonly number[];
  enabledTools: readonly string[];
}

/** When a piece of work ran, as its events' timestamps say; the timeline draws these. */
export interface Span {
  /** Sequence of the event that started it: orders and keys the timeline's rows. */
  sequence: number;
  startedAt: string;
  /** Unset while it runs. */
  endedAt?: string | undefined;
  status: 'running' | 'complete' | 'error';
}

export interface ToolCallView {
  toolName: string;
  parameters?: Record<string, unknown> | undefined;
  status: 'running' | 'complete' | 'error';
  result?: unknown;
  error?: string | undefined;
  /** Unset for a completion whose start was never seen. */
  span?: Span | undefined;
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
    span?: Span | undefined;
  };
  substitution?: { variables: Record<string, string>; sourcePrompts: number[] };
  tools: ToolCallView[];
  error?: string | undefined;
  /** From its `prompt-start`; unset for a prompt that has not started. */
  span?: Span | undefined;
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
  /** Timestamps of the first and the latest event folded in, and of the terminal one. */
  firstEventAt?: string | undefined;
  lastEventAt?: string | undefined;
  endedAt?: string | undefined;
}

/** No prompts planned (yet): one constant, so a missing plan is the same plan on every render. */
export const NO_PLAN: readonly PlannedPrompt[] = [];

/** The view before any event: every planned prompt pending. */
export function initialExecutionView(plan: readonly PlannedPrompt[] = NO_PLAN): ExecutionView {
  return {
    status: 'idle',
    totalPrompts: plan.length,
    completedPrompts: 0,
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

/** The view with one prompt changed (added first if no event or plan named it yet). */
function withPrompt(view: ExecutionView, promptId: number, update: (prompt: PromptView) => PromptView): ExecutionView {
  return { ...view, prompts: updatePrompt(view, promptId, update) };
}

function startSpan(event: StoredEvent): Span {
  return { sequence: event.sequence, startedAt: event.eventData.timestamp, status: 'running' };
}

/** A span still running ends at `at`; one that ended (or never started) stays as it is. */
function endSpan(span: Span | undefined, at: string, status: 'complete' | 'error'): Span | undefined {
  return span?.status === 'running' ? { ...span, endedAt: at, status } : span;
}

/**
 * Folds one stored event into the view. Pure, and it trusts its caller to pass each event once, in
 * sequence order: the events state drops repeats before they get here.
 */
export function applyExecutionEvent(view: ExecutionView, event: StoredEvent): ExecutionView {
  const at = event.eventData.timestamp;
  const next: ExecutionView = { ...view, firstEventAt: view.firstEventAt ?? at, lastEventAt: at };
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
        span: startSpan(event),
      }));
      return { ...next, totalPrompts: data.totalPrompts, prompts: sortByPosition(prompts) };
    }
    case 'knowledge-retrieval-start': {
      const data = event.eventData;
      return withPrompt(next, data.promptId, (prompt) => ({
        ...prompt,
        knowledge: { repositories: data.repositories, searchType: data.searchType, span: startSpan(event) },
      }));
    }
    case 'knowledge-retrieved': {
      const data = event.eventData;
      return withPrompt(next, data.promptId, (prompt) => ({
        ...prompt,
        knowledge: {
          repositories: prompt.knowledge?.repositories ?? [],
          searchType: prompt.knowledge?.searchType ?? 'unknown',
          documentsFound: data.documentsFound,
          relevanceScore: data.relevanceScore,
          tokens: data.tokens,
          span: endSpan(prompt.knowledge?.span, data.timestamp, 'complete'),
        },
      }));
    }
    case 'variable-substitution': {
      const data = event.eventData;
      return withPrompt(next, data.promptId, (prompt) => ({
        ...prompt,
        substitution: { variables: data.variables, sourcePrompts: data.sourcePrompts },
      }));
    }
    case 'tool-execution-start': {
      const data = event.eventData;
      return withPrompt(next, data.promptId, (prompt) => ({
        ...prompt,
        tools: [...prompt.tools, { toolName: data.toolName, parameters: data.parameters, status: 'running', span: startSpan(event) }],
      }));
    }
    case 'tool-execution-complete': {
      const data = event.eventData;
      return withPrompt(next, data.promptId, (prompt) => {
        // The earliest call of this tool still running is the one that finished.
        const index = prompt.tools.findIndex((tool) => tool.toolName === data.toolName && tool.status === 'running');
        const started = index >= 0 ? prompt.tools[index] : undefined;
        const status = data.success ? 'complete' : 'error';
        const finished: ToolCallView = {
          toolName: data.toolName,
          parameters: started?.parameters,
          status,
          result: data.result,
          error: data.error,
          span: endSpan(started?.span, data.timestamp, status),
        };
        const tools = index >= 0 ? prompt.tools.map((tool, i) => (i === index ? finished : tool)) : [...prompt.tools, finished];
        return { ...prompt, tools };
      });
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
          span: endSpan(prompt.span, data.timestamp, 'complete'),
        })),
      };
    }
    case 'progress': {
      const { currentStep, totalSteps, percentage, message } = event.eventData;
      return { ...next, progress: { currentStep, totalSteps, percentage, message } };
    }
    case 'execution-complete': {
      const data = event.eventData;
      return { ...next, status: 'complete', totalTokens: data.totalTokens, durationMs: data.duration, endedAt: data.timestamp };
    }
    case 'execution-error': {
      const data = event.eventData;
      const prompts =
        data.promptId !== undefined
          ? updatePrompt(next, data.promptId, (prompt) => ({
              ...prompt,
              status: 'error',
              error: data.error,
              span: endSpan(prompt.span, data.timestamp, 'error'),
            }))
          : next.prompts;
      return {
        ...next,
        status: 'error',
        endedAt: data.timestamp,
        prompts,
        error: { message: data.error, recoverable: data.recoverable, details: data.details, promptId: data.promptId },
      };
    }
  }
}

function sortByPosition(prompts: PromptView[]): PromptView[] {
  return [...prompts].sort((a, b) => a.position - b.position || a.promptId - b.promptId);
}

/** The view after `events`, each folded once in order (replay passes the first k events). */
export function foldExecutionEvents(plan: readonly PlannedPrompt[], events: readonly StoredEvent[]): ExecutionView {
  return events.reduce(applyExecutionEvent, initialExecutionView(plan));
}
