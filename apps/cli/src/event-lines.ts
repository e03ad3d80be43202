import type { StoredEvent } from '@aae/events';

/** Prompt names by id, learnt from `prompt-start`, so later lines can name the prompt. */
export type PromptNames = Map<number, string>;

const promptLabel = (names: PromptNames, promptId: number) => {
  const name = names.get(promptId);
  return name ? `"${name}"` : `prompt ${promptId}`;
};

/** What one event says, in a few words. */
export function describeEvent(event: StoredEvent, names: PromptNames): string {
  switch (event.eventType) {
    case 'execution-start':
      return `${event.eventData.totalPrompts} prompt(s)`;
    case 'prompt-start':
      names.set(event.eventData.promptId, event.eventData.promptName);
      return `${event.eventData.position}/${event.eventData.totalPrompts} "${event.eventData.promptName}" on ${event.eventData.modelId}`;
    case 'variable-substitution':
      return `${promptLabel(names, event.eventData.promptId)}: ${Object.keys(event.eventData.variables).join(', ') || 'no variables'}`;
    case 'knowledge-retrieval-start':
      return `${promptLabel(names, event.eventData.promptId)}: ${event.eventData.searchType} search of ${event.eventData.repositories.length} repositor${event.eventData.repositories.length === 1 ? 'y' : 'ies'}`;
    case 'knowledge-retrieved':
      return `${promptLabel(names, event.eventData.promptId)}: ${event.eventData.documentsFound} document(s), relevance ${event.eventData.relevanceScore.toFixed(2)}, ${event.eventData.tokens} tokens`;
    case 'tool-execution-start':
      return `${promptLabel(names, event.eventData.promptId)}: ${event.eventData.toolName}`;
    case 'tool-execution-complete':
      return `${promptLabel(names, event.eventData.promptId)}: ${event.eventData.toolName} ${event.eventData.success ? 'succeeded' : `failed: ${event.eventData.error ?? 'no reason given'}`}`;
    case 'progress':
      return `${event.eventData.percentage}% ${event.eventData.message}`;
    case 'prompt-complete':
      return `${promptLabel(names, event.eventData.promptId)}: ${event.eventData.outputTokens} tokens in ${event.eventData.duration} ms${event.eventData.cached ? ' (cached)' : ''}`;
    case 'execution-complete':
      return `${event.eventData.totalTokens} tokens in ${event.eventData.duration} ms`;
    case 'execution-error':
      return `${event.eventData.error}${event.eventData.recoverable ? ' (recoverable)' : ''}`;
  }
}

/** One line per event for logs and pipes: `#sequence time type what`. */
export function eventLine(event: StoredEvent, names: PromptNames): string {
  return `#${event.sequence} ${event.eventData.timestamp} ${event.eventType} ${describeEvent(event, names)}`;
}

/** An event as one NDJSON line: the stored event as `events.list` returns it. */
export const eventJson = (event: StoredEvent) => JSON.stringify(event);
