import { getExecutionEvents } from '@aae/client';
import { EVENT_TYPES, type EventType } from '@aae/events';
import { eventJson, eventLine, type PromptNames } from '../event-lines.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { openSession } from '../session.ts';
import { parseExecutionId } from './run.ts';

export function parseEventType(value: string): EventType {
  if (!(EVENT_TYPES as readonly string[]).includes(value)) {
    throw new CliError(EXIT.usage, `"${value}" is not an event type; the types are ${EVENT_TYPES.join(', ')}`);
  }
  return value as EventType;
}

/** An execution's stored events, in order; several `--type`s keep those types only. */
export async function listEvents(executionRef: string, options: { type: string[]; json: boolean }, io: { stdout: NodeJS.WritableStream }): Promise<void> {
  const executionId = parseExecutionId(executionRef);
  const types = new Set(options.type.map(parseEventType));
  const { client } = await openSession();
  const all = await getExecutionEvents(client, executionId);
  // Prompt names come from every prompt-start, shown or not.
  const names: PromptNames = new Map();
  for (const event of all) if (event.eventType === 'prompt-start') names.set(event.eventData.promptId, event.eventData.promptName);
  const events = types.size === 0 ? all : all.filter((event) => types.has(event.eventType));
  for (const event of events) io.stdout.write(`${options.json ? eventJson(event) : eventLine(event, names)}\n`);
}
