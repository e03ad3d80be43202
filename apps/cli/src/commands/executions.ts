import type { AaeClient } from '@aae/client';
import { CliError, EXIT } from '../exit-codes.ts';
import { outputOf } from '../follow-execution.ts';
import { openSession } from '../session.ts';
import { formatTable } from '../table.ts';
import { type HistoryFilterOptions, parseHistoryFilters } from './history-filters.ts';
import { parseExecutionId } from './run.ts';

type ExecutionSummary = Awaited<ReturnType<AaeClient['executions']['list']['query']>>['items'][number];

export interface ListOptions extends HistoryFilterOptions {
  limit?: string;
  cursor?: string;
  all: boolean;
  mine: boolean;
  json: boolean;
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return 20;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new CliError(EXIT.usage, `--limit "${value}" must be a whole number from 1 to 100`);
  return limit;
}

const seconds = (execution: ExecutionSummary) =>
  execution.startedAt && execution.finishedAt ? `${((execution.finishedAt.getTime() - execution.startedAt.getTime()) / 1000).toFixed(1)} s` : '-';

/** A page of the history (or every page with `--all`), newest first unless sorted otherwise. */
export async function listExecutions(options: ListOptions, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<void> {
  const filters = parseHistoryFilters(options);
  const limit = parseLimit(options.limit);
  const { client } = await openSession();
  const items: ExecutionSummary[] = [];
  let cursor: string | null = options.cursor ?? null;
  do {
    const page: { items: ExecutionSummary[]; nextCursor: string | null } = await client.executions.list.query({
      ...filters,
      mine: options.mine,
      limit,
      cursor,
    });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (options.all && cursor !== null);
  if (options.json) {
    for (const execution of items) io.stdout.write(`${JSON.stringify(execution)}\n`);
  } else {
    const rows = items.map((execution) => [
      String(execution.id),
      execution.status,
      execution.assistantName,
      execution.userName,
      execution.createdAt.toISOString(),
      seconds(execution),
      String(execution.totalTokens),
    ]);
    io.stdout.write(`${formatTable(['ID', 'STATUS', 'ASSISTANT', 'USER', 'CREATED', 'DURATION', 'TOKENS'], rows)}\n`);
  }
  if (cursor !== null) io.stderr.write(`More: --cursor ${cursor} (or --all)\n`);
}

/** One execution: its summary and input, and its output. */
export async function showExecution(executionRef: string, options: { json: boolean; all: boolean }, io: { stdout: NodeJS.WritableStream }): Promise<void> {
  const executionId = parseExecutionId(executionRef);
  const { client } = await openSession();
  const execution = await client.executions.get.query({ executionId });
  if (options.json) {
    io.stdout.write(`${JSON.stringify(execution)}\n`);
    return;
  }
  const lines = [
    `Execution ${execution.id}: ${execution.status}${execution.cancelRequestedBy ? ` (cancelled by ${execution.cancelRequestedBy})` : ''}`,
    `Assistant: ${execution.assistantName}   User: ${execution.userName}   Tokens: ${execution.totalTokens}`,
    `Created: ${execution.createdAt.toISOString()}${execution.finishedAt ? `   Finished: ${execution.finishedAt.toISOString()}` : ''}`,
    ...Object.entries(execution.input).map(([name, value]) => `Input ${name}: ${value}`),
    ...(execution.error ? [`Error: ${execution.error}`] : []),
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
  if (execution.promptResults.length > 0) io.stdout.write(`\n${await outputOf(client, executionId, options.all)}\n`);
}
