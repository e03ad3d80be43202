import type { EventType } from '@aae/events';
import type { AssistantEventType } from './generated/prisma/enums.ts';

/** Prisma names enum members with underscores; the database labels are the seed's hyphenated names. */
export function toPrismaEventType(type: EventType): AssistantEventType {
  return type.replaceAll('-', '_') as AssistantEventType;
}

export function fromPrismaEventType(type: AssistantEventType): EventType {
  return type.replaceAll('_', '-') as EventType;
}
