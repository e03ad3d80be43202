import { EXECUTION_SORTS, EXECUTION_STATUSES, type ExecutionSort, type ExecutionStatus } from '@aae/events';
import { CliError, EXIT } from '../exit-codes.ts';
import { parseEventType } from './events.ts';

/** The history filters as typed on the command line (`executions list`, `export`). */
export interface HistoryFilterOptions {
  status?: string;
  assistant?: string;
  user?: string;
  from?: string;
  to?: string;
  eventType?: string;
  sort?: string;
  order?: string;
}

export interface HistoryFilters {
  status?: ExecutionStatus;
  assistantName?: string;
  userName?: string;
  from?: Date;
  to?: Date;
  eventType?: ReturnType<typeof parseEventType>;
  sort?: ExecutionSort;
  order?: 'asc' | 'desc';
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new CliError(EXIT.usage, `${flag} "${value}" is not one of ${allowed.join(', ')}`);
  return value as T;
}

function date(flag: string, value: string): Date {
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw new CliError(EXIT.usage, `${flag} "${value}" is not a date: write it as 2026-12-01 or 2026-12-01T10:00:00Z`);
  return parsed;
}

/** Checks each filter here, so a mistake is named by its flag rather than by the API's field. */
export function parseHistoryFilters(options: HistoryFilterOptions): HistoryFilters {
  const filters: HistoryFilters = {};
  if (options.status) filters.status = oneOf('--status', options.status, EXECUTION_STATUSES);
  if (options.assistant) filters.assistantName = options.assistant;
  if (options.user) filters.userName = options.user;
  if (options.from) filters.from = date('--from', options.from);
  if (options.to) filters.to = date('--to', options.to);
  if (filters.from && filters.to && filters.from >= filters.to) throw new CliError(EXIT.usage, '--from must be before --to');
  if (options.eventType) filters.eventType = parseEventType(options.eventType);
  if (options.sort) filters.sort = oneOf('--sort', options.sort, EXECUTION_SORTS);
  if (options.order) filters.order = oneOf('--order', options.order, ['asc', 'desc'] as const);
  return filters;
}

/** The same filters as the export URL's query string. */
export function filtersToSearchParams(filters: HistoryFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    if (value === undefined) continue;
    params.set(key, value instanceof Date ? value.toISOString() : String(value));
  }
  return params;
}
