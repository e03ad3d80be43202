import { appRouter, createCallerFactory, createContextInner } from '@aae/api';
import { sessionIdentity } from '@aae/api/testing';
import { hashPassword } from '@aae/auth';
import { SYSTEM_VIEWER } from '@aae/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_FORMATS, EXPORT_ROUTES } from './export-routes.ts';
import { exportPlan, TRANSPORT_CASES, type ExportCase } from './testing/fuzz-cases.ts';
import { download, effectiveStatus, mutate, mutateStreaming, query, raw, subscribe, wantsStreaming, type Answer } from './testing/fuzz-http.ts';
import { inputPlan, inputSchemaOf, LEAKS, type FuzzInput, type InputSchema, type PlanSize, type SampleHints } from './testing/fuzz-inputs.ts';
import { encodeWire, excerpt } from './testing/fuzz-wire.ts';
import { mutateWithCookie, startTestApp, TEST_PASSWORD, type TestApp } from './testing/test-app.ts';

/**
 * Hostile and near-valid input for every procedure of the router and every export URL, over real
 * HTTP, as an admin's token, a member's token, an admin's browser session and nobody. The contract:
 * no answer of 500 or more, no stack, path, Prisma or SQL text in any error, the field named in
 * at least 95% of field errors, and nothing written by a refused request or a read.
 *
 * Seeded and bounded: FUZZ_SEED picks other inputs, FUZZ_BUDGET_MS the time the requests may take
 * (the plan is sent round-robin across procedures and callers, so a cut leaves every one covered).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_130);
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 45_000);
/** How long a quiet subscription is read for its first event. */
const SUBSCRIPTION_WAIT_MS = 300;
/** Reads run this many at a time; mutations one at a time, each between two counts of the tables. */
const READ_CONCURRENCY = 4;
/** Bodies this large may be refused by closing the connection (a body limit), which is no failure. */
const DROP_ALLOWED_BYTES = 512 * 1024;
/** Of the errors that a near-valid input (one field changed) gets from input validation, at least this share names that field. */
const FIELD_NAMED_SHARE = 0.95;
/** What each procedure gets from its first authorized caller: near-valid inputs per field (at least `nearValid` in all), hostile ones, hostile metas. */
const FULL_PLAN: PlanSize = { perField: 2, nearValid: 6, hostile: 7, meta: 3, essentials: true };

type ProcedureType = 'query' | 'mutation' | 'subscription';
type RequestKind = ProcedureType | 'streamed mutation' | 'export' | 'transport';

interface Procedure {
  path: string;
  type: ProcedureType;
  schema: InputSchema | null;
}

/** Every procedure of the router with its input's JSON Schema: a new procedure is fuzzed without a change here. */
function enumerateProcedures(): Procedure[] {
  const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: ProcedureType; inputs?: unknown[] } }>;
  return Object.entries(procedures).map(([path, procedure]) => ({ path, type: procedure._def.type, schema: inputSchemaOf(procedure._def.inputs ?? []) }));
}

interface Caller {
  name: string;
  headers: Record<string, string>;
  /** Its plan for a procedure another caller gets the full plan of. */
  size: PlanSize;
}

/** One request sent and what came back. */
interface Sent {
  kind: RequestKind;
  where: string;
  caller: string;
  request: string;
  answer: Answer;
  /** The one field a near-valid input changed. */
  field?: string;
  /** A body this large may be refused by closing the connection. */
  dropAllowed?: boolean;
}

/** Rows of the main tables. */
interface Counts {
  executions: number;
  assistants: number;
  liveAssistants: number;
  repositories: number;
  documents: number;
}

/** How much a successful mutation may change each count: exactly `n`, or `'≤0'` for cascades of unknown size. */
type Delta = Partial<Record<keyof Counts, number | '≤0'>>;

/** How many documents an answer reports stored (in `documents` lists, wherever a stream put them). */
const documentsIn = (result: unknown): number => {
  const lists: unknown[][] = [];
  const walk = (value: unknown) => {
    if (value === null || typeof value !== 'object') return;
    const documents = (value as { documents?: unknown }).documents;
    if (Array.isArray(documents)) lists.push(documents);
    Object.values(value).forEach(walk);
  };
  walk(result);
  return lists.reduce((sum, list) => sum + list.length, 0);
};

/**
 * What a successful mutation writes to the counted tables, from what it reports. Reads and
 * refused requests write nothing; a mutation not listed here writes none of these tables (one
 * that should, once added, fails here until it is listed). Events are not counted per request:
 * runs write them in the background, but each belongs to an execution (a foreign key), and
 * executions are counted.
 */
const WRITES: Record<string, (result: unknown) => Delta | Promise<Delta>> = {
  'assistants.create': () => ({ assistants: 1, liveAssistants: 1 }),
  'assistants.duplicate': () => ({ assistants: 1, liveAssistants: 1 }),
  // Deleted assistants stay as rows (their executions keep their history).
  'assistants.delete': () => ({ liveAssistants: -1 }),
  'executions.execute': () => ({ executions: 1 }),
  'knowledge.repositories.create': () => ({ repositories: 1 }),
  // Its documents go with it; how many it had is not in the answer.
  'knowledge.repositories.delete': () => ({ repositories: -1, documents: '≤0' }),
  'knowledge.documents.add': (result) => ({ documents: documentsIn(result) }),
  // It stores in the background: what it stored once it ended.
  'knowledge.documents.import': async (result) => ({ documents: await importStored((result as { id: string }).id) }),
  'knowledge.documents.delete': () => ({ documents: -1 }),
  // The executions its policies no longer keep, as many as it reports.
  'retention.runNow': (result) => ({ executions: -(result as { executions: number }).executions }),
};

let app: TestApp;

/** How many documents an import stored, once it ended. */
async function importStored(importId: string): Promise<number> {
  let stored = 0;
  for await (const view of app.services.imports.watch(importId, SYSTEM_VIEWER, AbortSignal.timeout(120_000))) stored = view.documents?.length ?? 0;
  return stored;
}
/** Valid ids for the fields of that name, for one procedure: resources it may consume. */
const ID_OVERRIDES: Record<string, Record<string, number>> = {};
const procedures = enumerateProcedures();
const sent: Sent[] = [];
const partialWrites: string[] = [];
const notes: string[] = [];

async function counts(): Promise<Counts> {
  // One statement (it runs twice per mutation); the tables as prisma/schema.prisma maps them.
  const [row] = await app.database.prisma.$queryRaw<Array<Record<keyof Counts, bigint>>>`
    SELECT (SELECT count(*) FROM executions) AS executions,
           (SELECT count(*) FROM assistants) AS assistants,
           (SELECT count(*) FROM assistants WHERE deleted_at IS NULL) AS "liveAssistants",
           (SELECT count(*) FROM knowledge_repositories) AS repositories,
           (SELECT count(*) FROM knowledge_documents) AS documents`;
  return Object.fromEntries(Object.entries(row!).map(([table, count]) => [table, Number(count)])) as unknown as Counts;
}

/** The counts at the last check: nothing but the fuzz's requests inserts or deletes these rows meanwhile. */
let current: Counts;

/** Counts again: what changed since the last check must be what `allowed` explains; returns what it does not. */
async function checkpoint(allowed: Delta): Promise<string[]> {
  const after = await counts();
  const wrong = unexplained(current, after, allowed);
  current = after;
  return wrong;
}

/** The changes from `before` to `after` that `allowed` does not explain. */
function unexplained(before: Counts, after: Counts, allowed: Delta): string[] {
  return (Object.keys(before) as Array<keyof Counts>).flatMap((table) => {
    const change = after[table] - before[table];
    const may = allowed[table] ?? 0;
    const fine = may === '≤0' ? change <= 0 : change === may;
    return fine ? [] : [`${table} ${change >= 0 ? '+' : ''}${change} (expected ${may})`];
  });
}

const succeeded = (answer: Answer) => answer.status >= 200 && answer.status < 300 && !answer.error;

async function sendTrpc(procedure: Procedure, caller: Caller, input: FuzzInput): Promise<Sent[]> {
  const text = procedure.schema || input.kind !== 'base' ? encodeWire(input.wire) : undefined;
  const request = text ?? '(no input)';
  const base = { where: procedure.path, caller: caller.name, request, field: input.field, dropAllowed: (text?.length ?? 0) > DROP_ALLOWED_BYTES };
  if (procedure.type === 'query') return [{ ...base, kind: 'query', answer: await query(app.url, procedure.path, caller.headers, text) }];
  if (procedure.type === 'subscription') {
    return [{ ...base, kind: 'subscription', answer: await subscribe(app.url, procedure.path, caller.headers, text, SUBSCRIPTION_WAIT_MS) }];
  }
  const plain = await mutate(app.url, procedure.path, caller.headers, text ?? '{}');
  if (!wantsStreaming(plain)) return [{ ...base, kind: 'mutation', answer: plain }];
  const streamed = await mutateStreaming(app.url, procedure.path, caller.headers, text ?? '{}');
  return [
    { ...base, kind: 'mutation', answer: plain },
    { ...base, kind: 'streamed mutation', answer: streamed },
  ];
}

/** A mutation, alone: what changed must be what its answer reports. */
async function sendMutation(procedure: Procedure, caller: Caller, input: FuzzInput) {
  const results = await sendTrpc(procedure, caller, input);
  sent.push(...results);
  const last = results.at(-1)!;
  const wrong = await checkpoint(succeeded(last.answer) ? ((await WRITES[procedure.path]?.(last.answer.result)) ?? {}) : {});
  if (wrong.length > 0) {
    partialWrites.push(
      `${procedure.path} as ${caller.name}, answered ${effectiveStatus(last.answer)}: ${wrong.join(', ')}; input ${excerpt(last.request, 160)}`,
    );
  }
}

/** Reads, a few at a time (no mutation meanwhile): nothing may change. */
async function sendReads(label: string, tasks: Array<() => Promise<Sent[]>>) {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      sent.push(...(await task()));
    }
  };
  await Promise.all(Array.from({ length: READ_CONCURRENCY }, worker));
  const wrong = await checkpoint({});
  if (wrong.length > 0) partialWrites.push(`${label}, which should write nothing: ${wrong.join(', ')}`);
}

interface Queue {
  procedure: Procedure;
  caller: Caller;
  plan: FuzzInput[];
}

/**
 * Sends the queues in rounds (one input of each per round) until done or `deadline`; returns how
 * many inputs it sent. The first `minRounds` rounds are always sent, however long they take: what
 * the suite checks must not depend on how busy the machine is.
 */
async function sendRounds(queues: Queue[], deadline: number, minRounds: number): Promise<number> {
  let done = 0;
  for (let round = 0; ; round++) {
    const due = queues.filter((queue) => round < queue.plan.length);
    const timeLeft = round < minRounds || Date.now() < deadline;
    if (due.length === 0 || !timeLeft) return done;
    const reads = due.filter((queue) => queue.procedure.type !== 'mutation');
    await sendReads(
      `round ${round} of reads`,
      reads.map((queue) => () => sendTrpc(queue.procedure, queue.caller, queue.plan[round]!)),
    );
    done += reads.length;
    for (const queue of due.filter((queue) => queue.procedure.type === 'mutation')) {
      if (round >= minRounds && Date.now() >= deadline) return done;
      await sendMutation(queue.procedure, queue.caller, queue.plan[round]!);
      done++;
    }
  }
}

/**
 * Every procedure as every caller: first its valid input, then the plan. The first caller the
 * valid input got past authorization for (the admin's token, or for token management the
 * session) gets the full plan, the others their share.
 */
async function fuzzProcedures(callers: Caller[], hints: Omit<SampleHints, 'seed'>, deadline: number) {
  const planOf = (procedureIndex: number, callerIndex: number, size: PlanSize) => {
    const procedure = procedures[procedureIndex]!;
    const seed = SEED + procedureIndex * 100 + callerIndex * 10_000;
    return inputPlan(procedure.schema, { ...hints, ids: { ...hints.ids, ...ID_OVERRIDES[procedure.path] }, seed }, size);
  };
  const none: PlanSize = { perField: 0, nearValid: 0, hostile: 0, meta: 0 };
  await sendRounds(
    procedures.flatMap((procedure, index) => callers.map((caller, callerIndex) => ({ procedure, caller, plan: planOf(index, callerIndex, none) }))),
    deadline,
    1,
  );
  const authorized = (procedure: Procedure, caller: Caller) => {
    const base = sent.find((item) => item.where === procedure.path && item.caller === caller.name);
    return base !== undefined && ![401, 403].includes(effectiveStatus(base.answer));
  };
  const queues = procedures.flatMap((procedure, index) => {
    const lead = callers.find((caller) => authorized(procedure, caller)) ?? callers[0]!;
    return callers.map((caller, callerIndex) => ({ procedure, caller, plan: planOf(index, callerIndex, caller === lead ? FULL_PLAN : caller.size).slice(1) }));
  });
  const planned = queues.reduce((sum, queue) => sum + queue.plan.length, 0);
  // Two rounds past the valid input reach every procedure's validation (checked below).
  const done = await sendRounds(queues, deadline, 2);
  if (done < planned) notes.push(`the time budget ended the procedures' plans after ${done} of ${planned} inputs`);
}

async function fuzzExports(cases: ExportCase[], deadline: number) {
  // Interleaved by route and format, the first URLs of each always sent: every route and format is
  // tried however busy the machine is; the budget only shortens the rest.
  const groups = new Map<string, ExportCase[]>();
  for (const exportCase of cases) {
    const key = `${exportCase.route} ${exportCase.url.split('?')[0]!.split('.').at(-1)}`;
    groups.set(key, [...(groups.get(key) ?? []), exportCase]);
  }
  const interleaved: ExportCase[] = [];
  for (let index = 0; interleaved.length < cases.length; index++) {
    for (const group of groups.values()) if (index < group.length) interleaved.push(group[index]!);
  }
  const always = groups.size * 2;
  const tasks = interleaved.map((exportCase) => async (): Promise<Sent[]> => {
    const answer = await download(`${app.url}${exportCase.url}`, exportCase.headers);
    return [{ kind: 'export', where: exportCase.route, caller: exportCase.caller, request: exportCase.url, answer, field: exportCase.field }];
  });
  for (let start = 0; start < tasks.length; start += 40) {
    if (start >= always && Date.now() >= deadline) {
      notes.push(`the time budget ended the export plan after ${start} of ${tasks.length} URLs`);
      return;
    }
    await sendReads('export downloads', tasks.slice(start, start + 40));
  }
}

async function fuzzTransport(callers: Caller[]) {
  const tasks = TRANSPORT_CASES.flatMap((transportCase) =>
    callers.map((caller) => async (): Promise<Sent[]> => {
      const { path, init } = transportCase.request(caller.headers);
      const answer = await raw(`${app.url}${path}`, init);
      const bytes = typeof init.body === 'string' ? init.body.length : init.body instanceof Uint8Array ? init.body.byteLength : 0;
      return [
        {
          kind: 'transport',
          where: transportCase.name,
          caller: caller.name,
          request: `${init.method ?? 'GET'} ${path}`,
          answer,
          dropAllowed: bytes > DROP_ALLOWED_BYTES,
        },
      ];
    }),
  );
  await sendReads('transport cases (invalid requests)', tasks);
}

beforeAll(async () => {
  app = await startTestApp();
  const fixtures = await makeFixtures();
  Object.assign(ID_OVERRIDES, fixtures.overrides);
  const callers: Caller[] = [
    { name: 'admin (token)', headers: { authorization: `Bearer ${app.tokenOf('admin')}` }, size: { perField: 1, nearValid: 3, hostile: 4, meta: 2 } },
    { name: 'member (token)', headers: { authorization: `Bearer ${app.tokenOf('demo')}` }, size: { perField: 1, nearValid: 3, hostile: 4, meta: 1 } },
    // A browser session (same origin): the only way to the token procedures.
    { name: 'admin (session)', headers: { cookie: fixtures.sessionCookie, origin: app.url }, size: { perField: 1, nearValid: 0, hostile: 2, meta: 1 } },
    { name: 'anonymous', headers: {}, size: { perField: 0, nearValid: 0, hostile: 2, meta: 1 } },
  ];
  current = await counts();
  console.info(`[fuzz] seed ${SEED} (FUZZ_SEED to change), budget ${BUDGET_MS} ms (FUZZ_BUDGET_MS)`);
  const started = Date.now();
  // Most of the time for the procedures, a fixed set of transport cases, the rest for the exports.
  await fuzzProcedures(callers, fixtures.hints, started + BUDGET_MS * 0.7);
  await fuzzTransport([callers[0]!, callers[3]!]);
  await fuzzExports(
    exportPlan({ seed: SEED, executionId: fixtures.hints.ids.executionId!, callers: [callers[0]!, callers[1]!, callers[3]!] }),
    Date.now() + BUDGET_MS * 0.2,
  );
  report(Date.now() - started);
}, 240_000);
afterAll(() => app?.stop());

/** Resources every caller may use (a finished execution, a repository with a document), and some the fuzz may consume. */
async function makeFixtures() {
  const createCaller = createCallerFactory(appRouter);
  const as = (user: typeof app.people.demo) => createCaller(createContextInner({ services: app.services, identity: sessionIdentity(user) }));
  const member = as(app.people.demo);
  const prompts = [{ name: 'Only', position: 1, content: 'Say something about {{topic}}' }];
  const inputVariables = [{ name: 'topic', label: 'Topic', required: false }];
  const runnable = await member.assistants.create({ name: 'Fuzz runner', inputVariables, prompts });
  const spareAssistant = await member.assistants.create({ name: 'Fuzz spare', inputVariables, prompts });
  const { executionId } = await member.executions.execute({ assistantId: runnable.id, input: { topic: 'herons' } });
  for await (const _ of await member.events.onExecutionEvent({ executionId }));
  const repository = await member.knowledge.repositories.create({ name: 'Fuzz notes' });
  const spareRepository = await member.knowledge.repositories.create({ name: 'Fuzz spare notes' });
  const note = { title: 'Herons', mediaType: 'text/plain' as const, content: 'Herons wade in shallow water.' };
  const { documents } = await member.knowledge.documents.add({ repositoryId: repository.id, documents: [note, { ...note, title: 'Spare' }] });
  await member.knowledge.documents.add({ repositoryId: spareRepository.id, documents: [note] });
  const spareUser = await app.services.users.ensure({ name: 'Fuzz spare', email: 'fuzz-spare@example.test', role: 'member' });
  // The session's admin is not one whose token the fuzz uses: what it does to itself stays its own.
  const sessionAdmin = await app.services.users.createWithPassword({
    name: 'Fuzz admin',
    email: 'fuzz-admin@example.test',
    role: 'admin',
    passwordHash: await hashPassword(TEST_PASSWORD),
  });
  const { cookie } = await app.signIn(sessionAdmin.email, TEST_PASSWORD);
  if (!cookie) throw new Error('the fuzz admin could not sign in');
  const spareToken = await mutateWithCookie<{ id: number }>(app.url, cookie, 'tokens.create', {
    name: 'fuzz spare',
    scopes: ['executions:read'],
    expiresInDays: 1,
  });
  const ids: Record<string, number> = {
    id: spareAssistant.id,
    assistantId: runnable.id,
    executionId,
    repositoryId: repository.id,
    repositoryIds: repository.id,
    documentId: documents[1]!.id,
    userId: spareUser.id,
    tokenId: spareToken.id,
  };
  // Deleting a repository takes the spare one (with its document), so adding documents keeps one to add them to.
  const overrides = { 'knowledge.repositories.delete': { repositoryId: spareRepository.id } };
  return { hints: { ids, records: { input: { topic: 'herons' } } }, overrides, sessionCookie: cookie };
}

/** Whether an answer is a refusal by input validation (a zod failure). */
const isFieldError = (item: Sent) =>
  item.kind === 'export'
    ? item.answer.status === 400
    : item.answer.error?.data?.code === 'BAD_REQUEST' && (item.answer.error.data.zodError != null || /^Invalid input/i.test(item.answer.error.message));

const serverErrors = () => sent.filter((item) => effectiveStatus(item.answer) >= 500 || (item.answer.status === 0 && !item.dropAllowed));
/** What an answer shows that it must not: the fuzz never sends such text, and the fixtures hold none, so it is no echo. */
const leaksOf = (item: Sent) => LEAKS.filter(([, pattern]) => pattern.test(item.answer.text)).map(([what]) => what);
const fieldErrors = () => sent.filter((item) => item.field && isFieldError(item));
const namesField = (item: Sent) => (item.answer.error?.message ?? item.answer.text).includes(item.field!);

/** One line per kind of failure: where, as whom, what was sent and what came back, and how often. */
function grouped(items: Sent[], describe: (item: Sent) => string): string[] {
  const groups = new Map<string, { count: number; first: Sent }>();
  for (const item of items) {
    const message = (item.answer.error?.message ?? item.answer.failure ?? item.answer.text)
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
      .replace(/\d+/g, '#')
      .slice(0, 80);
    const key = `${item.where} ${item.field ?? ''} ${effectiveStatus(item.answer)} ${message}`;
    const group = groups.get(key) ?? { count: 0, first: item };
    group.count++;
    groups.set(key, group);
  }
  return [...groups.values()].map(({ count, first }) => `${count}× ${describe(first)}`);
}

const describeSent = (item: Sent) =>
  `${item.where} as ${item.caller}${item.field ? ` (${item.field} changed)` : ''} ⟵ ${excerpt(item.request, 400)} → ${effectiveStatus(item.answer)}` +
  `${item.answer.failure ? ` (${item.answer.failure})` : ''}: ${excerpt(item.answer.text || item.answer.failure || '', 200)}`;

function report(elapsedMs: number) {
  const byKind = new Map<string, Map<number, number>>();
  for (const item of sent) {
    const statuses = byKind.get(item.kind) ?? new Map<number, number>();
    statuses.set(effectiveStatus(item.answer), (statuses.get(effectiveStatus(item.answer)) ?? 0) + 1);
    byKind.set(item.kind, statuses);
  }
  console.info(
    `[fuzz] ${sent.length} requests in ${(elapsedMs / 1000).toFixed(1)} s over ${procedures.length} procedures and ${Object.keys(EXPORT_ROUTES).length} export routes`,
  );
  for (const [kind, statuses] of byKind) {
    const total = [...statuses.values()].reduce((sum, count) => sum + count, 0);
    const seen = [...statuses.entries()].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`);
    console.info(`[fuzz] ${kind}: ${total} requests; statuses ${seen.join(' ')}`);
  }
  const fields = fieldErrors();
  console.info(`[fuzz] field errors: ${fields.filter(namesField).length} of ${fields.length} name the field`);
  const slowest = [...sent].sort((a, b) => b.answer.ms - a.answer.ms)[0];
  if (slowest) console.info(`[fuzz] slowest: ${Math.round(slowest.answer.ms)} ms, ${slowest.where} as ${slowest.caller} ⟵ ${excerpt(slowest.request, 120)}`);
  for (const note of notes) console.info(`[fuzz] note: ${note}`);
  for (const line of grouped(serverErrors(), describeSent)) console.info(`[fuzz] ≥500: ${line}`);
  for (const line of grouped(
    sent.filter((item) => leaksOf(item).length > 0),
    (item) => `${leaksOf(item).join(', ')} in ${describeSent(item)}`,
  )) {
    console.info(`[fuzz] leak: ${line}`);
  }
  for (const line of partialWrites) console.info(`[fuzz] write: ${line}`);
  for (const line of grouped(
    fields.filter((item) => !namesField(item)),
    (item) => `"${item.field}" not named: ${describeSent(item)}`,
  )) {
    console.info(`[fuzz] unnamed: ${line}`);
  }
}

describe('fuzzing every procedure and export URL', () => {
  it('sends hostile and near-valid input to every procedure of the router, as every caller, and to every export route', () => {
    expect(procedures.map((procedure) => procedure.type)).toEqual(expect.arrayContaining(['query', 'mutation', 'subscription']));
    for (const caller of new Set(sent.map((item) => item.caller))) {
      expect(
        procedures.filter((procedure) => !sent.some((item) => item.where === procedure.path && item.caller === caller)).map((procedure) => procedure.path),
      ).toEqual([]);
    }
    // Past authorization to the input's validation, for each procedure that takes an input.
    const unvalidated = procedures.filter(
      (procedure) => procedure.schema && !sent.some((item) => item.where === procedure.path && item.field && isFieldError(item)),
    );
    expect(unvalidated.map((procedure) => procedure.path)).toEqual([]);
    for (const route of Object.keys(EXPORT_ROUTES)) {
      for (const format of EXPORT_FORMATS)
        expect(sent.some((item) => item.kind === 'export' && item.where === route && item.request.includes(`.${format}`))).toBe(true);
    }
  });

  it('answers no request with a status of 500 or more, and answers every one', () => {
    expect(grouped(serverErrors(), describeSent)).toEqual([]);
  });

  it('puts no stack trace, server path, Prisma or SQL text in any answer', () => {
    expect(
      grouped(
        sent.filter((item) => leaksOf(item).length > 0),
        (item) => `${leaksOf(item).join(', ')} in ${describeSent(item)}`,
      ),
    ).toEqual([]);
  });

  it('writes nothing for a refused request or a read, and only what a successful mutation reports', () => {
    expect(partialWrites).toEqual([]);
    // Nor to this process: no `meta` path reached Object.prototype.
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it(`names the field in at least ${FIELD_NAMED_SHARE * 100}% of the errors of input validation`, () => {
    const fields = fieldErrors();
    // Enough of them that the share means something (a change of the error format would leave none recognised).
    expect(fields.length).toBeGreaterThanOrEqual(50);
    const unnamed = fields.filter((item) => !namesField(item));
    expect({ share: unnamed.length / fields.length <= 1 - FIELD_NAMED_SHARE, unnamed: grouped(unnamed, describeSent).slice(0, 30) }).toMatchObject({
      share: true,
    });
  });
});
