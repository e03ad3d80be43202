import { EXECUTION_SORTS } from '@aae/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProjectTestDatabase } from '../testing/project-database.ts';
import type { TestDatabase } from '../testing/test-database.ts';
import { createExecutionRepository, InvalidCursorError, type ExecutionRepository, type ListExecutionsOptions } from './executions.ts';

let db: TestDatabase;
let repository: ExecutionRepository;
const users: Record<'ann' | 'bob' | 'otherBob', number> = { ann: 0, bob: 0, otherBob: 0 };
const assistants: Record<'alpha' | 'alphabet' | 'beta', number> = { alpha: 0, alphabet: 0, beta: 0 };
const FROM = new Date('2026-03-01T00:10:00Z');
const TO = new Date('2026-03-01T00:40:00Z');

/** Every execution with what the filters and sorts look at, read back as stored. */
interface Row {
  id: number;
  userId: number;
  assistantId: number;
  status: string;
  createdAt: number;
  tokens: number;
  duration: number;
  eventTypes: Set<string>;
}
let rows: Row[];

beforeAll(async () => {
  db = await createProjectTestDatabase();
  repository = createExecutionRepository(db.prisma);
  const person = (name: string, email: string) => db.prisma.user.create({ data: { name, email }, select: { id: true } });
  users.ann = (await person('ann', 'ann@example.test')).id;
  users.bob = (await person('bob', 'bob@example.test')).id;
  users.otherBob = (await person('bob', 'bob.two@example.test')).id;
  // Each at version 1, as a save leaves it: executions record the version they run.
  const assistant = (name: string) => db.prisma.assistant.create({ data: { name, versions: { create: { number: 1, name } } }, select: { id: true } });
  assistants.alpha = (await assistant('Alpha')).id;
  assistants.alphabet = (await assistant('ALPHABET soup')).id;
  assistants.beta = (await assistant('Beta')).id;
  // Four executions share each creation time, five each token count, three each duration (and
  // every unfinished one sorts as -1): each sort has long runs of ties that pages cut through.
  await db.prisma.$executeRaw`
    INSERT INTO executions (assistant_id, user_id, status, total_tokens, created_at, started_at, finished_at)
    SELECT (${[assistants.alpha, assistants.alphabet, assistants.beta]}::int[])[1 + g % 3],
      (${[users.ann, users.bob, users.otherBob]}::int[])[1 + (g / 2) % 3],
      status::execution_status, g % 5, t, CASE WHEN status <> 'pending' THEN t END,
      CASE WHEN status IN ('completed', 'failed') THEN t + (g % 3) * interval '1 second' END
    FROM generate_series(1, 240) g,
      LATERAL (SELECT timestamptz '2026-03-01' + (g / 4) * interval '1 minute' AS t,
        (ARRAY['completed', 'completed', 'failed', 'running', 'pending', 'completed', 'completed'])[1 + g % 7] AS status) s`;
  await db.prisma.$executeRaw`
    INSERT INTO assistant_architect_events (execution_id, sequence, event_type, event_data)
    SELECT id, 1, 'tool-execution-start'::assistant_event_type, '{}'::jsonb FROM executions WHERE id % 4 = 0
    UNION ALL SELECT id, 2, 'execution-error', '{}' FROM executions WHERE status = 'failed'`;
  const stored = await db.prisma.execution.findMany({
    select: {
      id: true,
      userId: true,
      assistantId: true,
      status: true,
      totalTokens: true,
      createdAt: true,
      startedAt: true,
      finishedAt: true,
      events: { select: { eventType: true } },
    },
  });
  rows = stored.map((row) => ({
    id: row.id,
    userId: row.userId,
    assistantId: row.assistantId,
    status: row.status,
    createdAt: row.createdAt.getTime(),
    tokens: row.totalTokens,
    duration: row.startedAt && row.finishedAt ? row.finishedAt.getTime() - row.startedAt.getTime() : -1,
    eventTypes: new Set(row.events.map((event) => event.eventType.replaceAll('_', '-'))),
  }));
});
afterAll(() => db?.close());

type Filters = Omit<ListExecutionsOptions, 'sort' | 'order' | 'cursor' | 'limit'>;

/** Each filter (read once the people and assistants exist) and which rows it must keep. */
const FILTERS: Record<string, { filters: () => Filters; matches: (row: Row) => boolean }> = {
  none: { filters: () => ({}), matches: () => true },
  user: { filters: () => ({ userId: users.ann }), matches: (row) => row.userId === users.ann },
  'user name (two people share it)': { filters: () => ({ userName: 'bob' }), matches: (row) => row.userId === users.bob || row.userId === users.otherBob },
  assistant: { filters: () => ({ assistantId: assistants.beta }), matches: (row) => row.assistantId === assistants.beta },
  'assistant name (part, any case)': { filters: () => ({ assistantName: 'alpha' }), matches: (row) => row.assistantId !== assistants.beta },
  status: { filters: () => ({ status: 'failed' }), matches: (row) => row.status === 'failed' },
  'date range': { filters: () => ({ from: FROM, to: TO }), matches: (row) => row.createdAt >= FROM.getTime() && row.createdAt < TO.getTime() },
  'event type': { filters: () => ({ eventType: 'tool-execution-start' }), matches: (row) => row.eventTypes.has('tool-execution-start') },
  'user, assistant and status': {
    filters: () => ({ userId: users.bob, assistantId: assistants.alpha, status: 'completed' }),
    matches: (row) => row.userId === users.bob && row.assistantId === assistants.alpha && row.status === 'completed',
  },
  'user name, event type and date range': {
    filters: () => ({ userName: 'bob', eventType: 'execution-error', from: FROM, to: TO }),
    matches: (row) =>
      (row.userId === users.bob || row.userId === users.otherBob) &&
      row.eventTypes.has('execution-error') &&
      row.createdAt >= FROM.getTime() &&
      row.createdAt < TO.getTime(),
  },
  'a name nobody has': { filters: () => ({ assistantName: 'gamma' }), matches: () => false },
};

const SORT_VALUE = { createdAt: (row: Row) => row.createdAt, duration: (row: Row) => row.duration, tokens: (row: Row) => row.tokens } as const;

/** The ids the list must give, in order: the matching rows sorted by value, ties by id, in one go. */
function sortedIds(matches: (row: Row) => boolean, sort: keyof typeof SORT_VALUE, order: 'asc' | 'desc'): number[] {
  const sign = order === 'asc' ? 1 : -1;
  return rows
    .filter(matches)
    .sort((a, b) => sign * (SORT_VALUE[sort](a) - SORT_VALUE[sort](b) || a.id - b.id))
    .map((row) => row.id);
}

/** Every page of the list, by its cursors. */
async function walk(options: Omit<ListExecutionsOptions, 'cursor'>): Promise<{ ids: number[]; pages: number }> {
  const ids: number[] = [];
  let pages = 0;
  let cursor: string | undefined;
  do {
    const page = await repository.list({ ...options, cursor });
    pages += 1;
    expect(page.items.length).toBeLessThanOrEqual(options.limit);
    ids.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return { ids, pages };
}

describe('executions list, page by page', () => {
  const orders = ['asc', 'desc'] as const;
  const cases = Object.keys(FILTERS).flatMap((filter) => EXECUTION_SORTS.flatMap((sort) => orders.map((order) => ({ filter, sort, order }))));

  it.each(cases)('$filter, by $sort $order: the pages are the one sorted query, with no gap and no repeat', async ({ filter, sort, order }) => {
    const { filters, matches } = FILTERS[filter]!;
    const expected = sortedIds(matches, sort, order);
    const { ids, pages } = await walk({ ...filters(), sort, order, limit: 7 });
    expect(ids).toEqual(expected);
    expect(pages).toBe(Math.max(1, Math.ceil(expected.length / 7)));
  });

  it('has enough rows and ties for the walks to mean something', () => {
    const ties = (values: number[]) => values.length - new Set(values).size;
    expect(rows).toHaveLength(240);
    for (const sort of EXECUTION_SORTS) expect(ties(rows.map(SORT_VALUE[sort]))).toBeGreaterThan(100);
    for (const { matches } of Object.values(FILTERS).slice(0, -1)) expect(rows.filter(matches).length).toBeGreaterThan(7);
  });
});

describe('executions list cursors', () => {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it('refuses a cursor of another sort or order', async () => {
    const { nextCursor } = await repository.list({ sort: 'tokens', order: 'desc', limit: 5 });
    expect(nextCursor).not.toBeNull();
    await expect(repository.list({ sort: 'createdAt', order: 'desc', limit: 5, cursor: nextCursor! })).rejects.toThrow(InvalidCursorError);
    await expect(repository.list({ sort: 'tokens', order: 'asc', limit: 5, cursor: nextCursor! })).rejects.toThrow(/sorted by tokens, asc/);
  });

  it.each([
    ['not base64 JSON', 'createdAt', '%%%'],
    ['an old two-element cursor', 'createdAt', encode([1_700_000_000_000, 3])],
    ['an id past the column’s range', 'createdAt', encode(['createdAt', 'desc', 0, 2 ** 40])],
    ['a time no date can hold', 'createdAt', encode(['createdAt', 'desc', 1e300, 3])],
    ['a time before the epoch the driver cannot send', 'createdAt', encode(['createdAt', 'desc', -8.64e15, 3])],
    ['a fraction of a token', 'tokens', encode(['tokens', 'desc', 1.5, 3])],
    ['a duration longer than any clock reaches', 'duration', encode(['duration', 'desc', 1e17, 3])],
    ['a value that is not a number', 'tokens', encode(['tokens', 'desc', '1; DROP TABLE executions', 3])],
  ] as const)('refuses a forged cursor: %s', async (_name, sort, cursor) => {
    await expect(repository.list({ sort, order: 'desc', limit: 5, cursor })).rejects.toThrow(InvalidCursorError);
  });
});
