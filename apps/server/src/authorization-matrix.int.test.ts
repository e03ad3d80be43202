import { appRouter, createCallerFactory, createContext, createContextInner } from '@aae/api';
import { sessionIdentity } from '@aae/api/testing';
import { TOKEN_SCOPES, type TokenScope } from '@aae/auth';
import type { User } from '@aae/db';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_FORMATS, EXPORT_ROUTES } from './export-routes.ts';
import { mutateWithCookie, startTestApp, TEST_PASSWORD, type TestApp } from './testing/test-app.ts';

/**
 * Every procedure of the router and every export URL, tried by every kind of caller on a
 * member A's and a member B's resources. The rule of each row is written here by hand, from the
 * access rules (not read from the code), and the outcome a caller gets is computed from it.
 */

type Owner = 'A' | 'B';
type Outcome = 'ok' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT';

type Rule =
  | { kind: 'public' }
  /** Anyone signed in, whatever the token's scopes; not a watch token. */
  | { kind: 'signed-in' }
  /** A browser session only (token management); `own`: the resource must be the caller's. */
  | { kind: 'session'; own?: boolean }
  | { kind: 'admin' }
  /** Needs `scope`; `own`: the owner's private resource (or an admin); `watch`: a watch token for that execution may. */
  | { kind: 'scope'; scope: TokenScope; own?: boolean; watch?: boolean };

interface Row {
  rule: Rule;
  /** What an allowed call answers when not plain success (a finished execution cannot be cancelled). */
  allowedAs?: Outcome;
  input(owner: Owner): Promise<unknown> | unknown;
}

interface Caller {
  name: string;
  /** How the credential travels: a session cookie, a bearer token. */
  cookie?: string;
  bearer?: string;
  /** Who holds it and what it may do (null for anonymous or a dead credential). */
  holder: { user: 'A' | 'B' | 'admin'; role: 'member' | 'admin'; via: 'session' | 'token' | 'watch'; scopes: ReadonlySet<TokenScope> } | null;
  /** For a watch token: the execution it reads. */
  watches?: number;
}

let app: TestApp;
const people = {} as Record<Owner | 'admin', User>;
const resources = {} as Record<Owner, { executionId: number; assistantId: number; repositoryId: number; documentId: number; importId: string }>;
const callers: Caller[] = [];
const createCaller = createCallerFactory(appRouter);
let unique = 0;
const next = () => ++unique;

/** A server-side caller acting as one of the test people, to make resources. */
const as = (user: User) => createCaller(createContextInner({ services: app.services, identity: sessionIdentity(user) }));

async function runToEnd(owner: Owner): Promise<number> {
  const caller = as(people[owner]);
  const { executionId } = await caller.executions.execute({ assistantId: resources[owner].assistantId, input: { topic: `matrix ${next()}` } });
  for await (const _ of await caller.events.onExecutionEvent({ executionId }));
  return executionId;
}

async function freshAssistant(owner: Owner) {
  return as(people[owner]).assistants.create({
    name: `Private ${next()}`,
    inputVariables: [{ name: 'topic', label: 'Topic' }],
    prompts: [{ name: 'Only', position: 1, content: 'Say something about {{topic}}' }],
  });
}

async function freshRepository(owner: Owner) {
  const caller = as(people[owner]);
  const repository = await caller.knowledge.repositories.create({ name: `Notes ${next()}` });
  const { documents } = await caller.knowledge.documents.add({
    repositoryId: repository.id,
    documents: [{ title: 'Herons', mediaType: 'text/plain', content: `Herons wade in shallow water ${next()}.` }],
  });
  return { repositoryId: repository.id, documentId: documents[0]!.id };
}

/** An import of `owner`'s, read to its end. */
async function finishedImport(owner: Owner, repositoryId: number): Promise<string> {
  const caller = as(people[owner]);
  const started = await caller.knowledge.documents.import({ repositoryId, documents: [document()] });
  let status = started.status;
  for await (const update of await caller.knowledge.documents.importProgress({ importId: started.id })) status = update.status;
  expect(status).toBe('completed');
  return started.id;
}

async function sessionCookie(email: string): Promise<string> {
  const { cookie } = await app.signIn(email, TEST_PASSWORD);
  if (!cookie) throw new Error(`${email} could not sign in`);
  return cookie;
}

const createToken = (cookie: string, scopes: readonly TokenScope[]) =>
  mutateWithCookie<{ id: number; token: string }>(app.url, cookie, 'tokens.create', { name: `matrix ${next()}`, scopes, expiresInDays: 1 });

const MEMBER_SCOPES: TokenScope[] = ['executions:read', 'executions:write', 'assistants:read', 'assistants:write'];
const document = () => ({ title: `Note ${next()}`, mediaType: 'text/plain' as const, content: 'Egrets are herons too.' });
const range = () => ({});

const MATRIX: Record<string, Row> = {
  'assistants.list': { rule: { kind: 'scope', scope: 'assistants:read' }, input: () => undefined },
  'assistants.get': { rule: { kind: 'scope', scope: 'assistants:read', own: true }, input: (o) => ({ id: resources[o].assistantId }) },
  'assistants.create': {
    rule: { kind: 'scope', scope: 'assistants:write' },
    input: () => ({ name: `New ${next()}`, prompts: [{ name: 'Only', position: 1, content: 'Hello' }] }),
  },
  'assistants.update': {
    rule: { kind: 'scope', scope: 'assistants:write', own: true },
    input: (o) => ({ id: resources[o].assistantId, description: `changed ${next()}` }),
  },
  'assistants.delete': { rule: { kind: 'scope', scope: 'assistants:write', own: true }, input: async (o) => ({ id: (await freshAssistant(o)).id }) },
  'assistants.save': {
    rule: { kind: 'scope', scope: 'assistants:write', own: true },
    input: async (o) => {
      const assistant = await freshAssistant(o);
      return { id: assistant.id, baseVersion: assistant.version, name: assistant.name, inputVariables: assistant.inputVariables, prompts: assistant.prompts };
    },
  },
  // Reading is enough to copy: the copy is the caller's own.
  'assistants.duplicate': { rule: { kind: 'scope', scope: 'assistants:write', own: true }, input: (o) => ({ id: resources[o].assistantId }) },
  'assistants.versions': { rule: { kind: 'scope', scope: 'assistants:read', own: true }, input: (o) => ({ id: resources[o].assistantId }) },
  'assistants.version': { rule: { kind: 'scope', scope: 'assistants:read', own: true }, input: (o) => ({ id: resources[o].assistantId, number: 1 }) },
  'assistants.models': { rule: { kind: 'scope', scope: 'assistants:read' }, input: () => undefined },
  'assistants.tools': { rule: { kind: 'scope', scope: 'assistants:read' }, input: () => undefined },
  'executions.execute': {
    rule: { kind: 'scope', scope: 'executions:write', own: true },
    input: (o) => ({ assistantId: resources[o].assistantId, input: { topic: 'matrix' } }),
  },
  'executions.cancel': {
    rule: { kind: 'scope', scope: 'executions:write', own: true },
    allowedAs: 'CONFLICT',
    input: (o) => ({ executionId: resources[o].executionId }),
  },
  'executions.get': { rule: { kind: 'scope', scope: 'executions:read', own: true, watch: true }, input: (o) => ({ executionId: resources[o].executionId }) },
  'executions.list': { rule: { kind: 'scope', scope: 'executions:read' }, input: () => undefined },
  'executions.createWatchToken': {
    rule: { kind: 'scope', scope: 'executions:read', own: true },
    input: (o) => ({ executionId: resources[o].executionId }),
  },
  'events.list': { rule: { kind: 'scope', scope: 'executions:read', own: true, watch: true }, input: (o) => ({ executionId: resources[o].executionId }) },
  'events.onExecutionEvent': {
    rule: { kind: 'scope', scope: 'executions:read', own: true, watch: true },
    input: (o) => ({ executionId: resources[o].executionId }),
  },
  'events.onAnyEvent': { rule: { kind: 'admin' }, input: () => ({ backlog: 1 }) },
  'events.onLive': {
    rule: { kind: 'scope', scope: 'executions:read', own: true, watch: true },
    input: (o) => ({ executions: [{ executionId: resources[o].executionId }] }),
  },
  'events.onExecutionOutput': {
    rule: { kind: 'scope', scope: 'executions:read', own: true, watch: true },
    input: (o) => ({ executionId: resources[o].executionId }),
  },
  'users.me': { rule: { kind: 'signed-in' }, input: () => undefined },
  'users.list': { rule: { kind: 'admin' }, input: () => undefined },
  'users.create': {
    rule: { kind: 'admin' },
    input: () => ({ name: 'New person', email: `person-${next()}@example.test`, password: TEST_PASSWORD }),
  },
  'users.setRole': {
    rule: { kind: 'admin' },
    input: async () => ({ userId: (await freshMember()).id, role: 'admin' }),
  },
  'users.setDisabled': {
    rule: { kind: 'admin' },
    input: async () => ({ userId: (await freshMember()).id, disabled: true }),
  },
  'users.setPassword': {
    rule: { kind: 'admin' },
    input: async () => ({ userId: (await freshMember()).id, password: 'a new password for them' }),
  },
  'analytics.executionTimeByAssistant': { rule: { kind: 'admin' }, input: range },
  'analytics.errorRateByAssistant': { rule: { kind: 'admin' }, input: range },
  'analytics.mostUsedRepositories': { rule: { kind: 'admin' }, input: range },
  'analytics.averagePromptDuration': { rule: { kind: 'admin' }, input: range },
  'analytics.executionsOverTime': { rule: { kind: 'admin' }, input: range },
  'analytics.durationPercentiles': { rule: { kind: 'admin' }, input: range },
  'analytics.tokensByModel': { rule: { kind: 'admin' }, input: range },
  'knowledge.repositories.list': { rule: { kind: 'scope', scope: 'assistants:read' }, input: () => undefined },
  'knowledge.repositories.get': {
    rule: { kind: 'scope', scope: 'assistants:read', own: true },
    input: (o) => ({ repositoryId: resources[o].repositoryId }),
  },
  'knowledge.repositories.create': { rule: { kind: 'scope', scope: 'assistants:write' }, input: () => ({ name: `Repository ${next()}` }) },
  'knowledge.repositories.update': {
    rule: { kind: 'scope', scope: 'assistants:write', own: true },
    input: (o) => ({ repositoryId: resources[o].repositoryId, description: `changed ${next()}` }),
  },
  'knowledge.repositories.delete': {
    rule: { kind: 'scope', scope: 'assistants:write', own: true },
    input: async (o) => ({ repositoryId: (await freshRepository(o)).repositoryId }),
  },
  'knowledge.repositories.embeddingModels': { rule: { kind: 'scope', scope: 'assistants:read' }, input: () => undefined },
  'knowledge.importLimits': { rule: { kind: 'scope', scope: 'assistants:read' }, input: () => undefined },
  'knowledge.documents.add': {
    rule: { kind: 'scope', scope: 'assistants:write', own: true },
    input: (o) => ({ repositoryId: resources[o].repositoryId, documents: [document()] }),
  },
  'knowledge.documents.import': {
    rule: { kind: 'scope', scope: 'assistants:write', own: true },
    input: (o) => ({ repositoryId: resources[o].repositoryId, documents: [document()] }),
  },
  // Each caller's own imports: nobody else's resource is read.
  'knowledge.documents.listImports': { rule: { kind: 'scope', scope: 'assistants:read' }, input: () => undefined },
  'knowledge.documents.getImport': {
    rule: { kind: 'scope', scope: 'assistants:read', own: true },
    input: (o) => ({ importId: resources[o].importId }),
  },
  'knowledge.documents.importProgress': {
    rule: { kind: 'scope', scope: 'assistants:read', own: true },
    input: (o) => ({ importId: resources[o].importId }),
  },
  // The import has ended: its starter (or an admin) is told so.
  'knowledge.documents.cancelImport': {
    rule: { kind: 'scope', scope: 'assistants:write', own: true },
    allowedAs: 'CONFLICT',
    input: (o) => ({ importId: resources[o].importId }),
  },
  'knowledge.documents.list': {
    rule: { kind: 'scope', scope: 'assistants:read', own: true },
    input: (o) => ({ repositoryId: resources[o].repositoryId }),
  },
  'knowledge.documents.delete': {
    rule: { kind: 'scope', scope: 'assistants:write', own: true },
    input: async (o) => ({ documentId: (await freshRepository(o)).documentId }),
  },
  'knowledge.search': {
    rule: { kind: 'scope', scope: 'assistants:read', own: true },
    input: (o) => ({ repositoryIds: [resources[o].repositoryId], query: 'herons' }),
  },
  'tokens.scopes': { rule: { kind: 'session' }, input: () => undefined },
  'tokens.list': { rule: { kind: 'session' }, input: () => undefined },
  'tokens.create': { rule: { kind: 'session' }, input: () => ({ name: `token ${next()}`, scopes: ['executions:read'] }) },
  'tokens.revoke': {
    rule: { kind: 'session', own: true },
    input: async (o) => ({ tokenId: (await createToken(ownerCookies[o], ['executions:read'])).id }),
  },
  'setup.status': { rule: { kind: 'public' }, input: () => undefined },
  // An admin exists, so set-up is refused to everyone, after the identity is read (none needed).
  'setup.createAdmin': {
    rule: { kind: 'public' },
    allowedAs: 'CONFLICT',
    input: () => ({ code: 'a guess', name: 'Intruder', email: `intruder-${next()}@example.test`, password: TEST_PASSWORD }),
  },
  'audit.list': { rule: { kind: 'admin' }, input: () => undefined },
  'retention.policies': { rule: { kind: 'admin' }, input: () => undefined },
  // A hundred years: nothing the other procedures use is old enough to be swept.
  'retention.set': { rule: { kind: 'admin' }, input: () => ({ keepDays: 36_500 }) },
  'retention.remove': { rule: { kind: 'admin' }, input: () => ({ assistantId: null }) },
  'retention.runNow': { rule: { kind: 'admin' }, input: () => undefined },
  'webhooks.list': { rule: { kind: 'admin' }, input: () => undefined },
  'webhooks.eventTypes': { rule: { kind: 'admin' }, input: () => undefined },
  'webhooks.create': { rule: { kind: 'admin' }, input: () => ({ url: PUBLIC_HOOK, enabled: false }) },
  'webhooks.update': { rule: { kind: 'admin' }, input: async () => ({ endpointId: await disabledEndpoint(), description: `matrix ${next()}` }) },
  'webhooks.rotateSecret': { rule: { kind: 'admin' }, input: async () => ({ endpointId: await disabledEndpoint() }) },
  'webhooks.delete': { rule: { kind: 'admin' }, input: async () => ({ endpointId: await disabledEndpoint() }) },
  'webhooks.deliveries': { rule: { kind: 'admin' }, input: async () => ({ endpointId: await disabledEndpoint() }) },
  'webhooks.sendTest': { rule: { kind: 'admin' }, input: async () => ({ endpointId: await disabledEndpoint() }) },
  'webhooks.attempts': {
    rule: { kind: 'admin' },
    input: async () => ({ deliveryId: await queuedDelivery() }),
  },
  'webhooks.resend': {
    rule: { kind: 'admin' },
    input: async () => ({ deliveryId: await queuedDelivery() }),
  },
};

const EXPORTS: Record<keyof typeof EXPORT_ROUTES, { rule: Rule; path(owner: Owner, format: string): string }> = {
  executionEvents: {
    rule: { kind: 'scope', scope: 'executions:read', own: true, watch: true },
    path: (o, format) => `/api/executions/${resources[o].executionId}/events.${format}`,
  },
  executions: { rule: { kind: 'scope', scope: 'executions:read' }, path: (_o, format) => `/api/executions.${format}` },
  events: { rule: { kind: 'scope', scope: 'executions:read' }, path: (_o, format) => `/api/events.${format}?type=execution-start` },
};

const ownerCookies = {} as Record<Owner, string>;

/** A public address, checked without a lookup; its endpoints stay disabled, so nothing is ever sent there. */
const PUBLIC_HOOK = 'https://93.184.215.14/hook';

async function disabledEndpoint(): Promise<number> {
  const endpoint = await app.services.webhooks.store.create({
    url: PUBLIC_HOOK,
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: '',
    eventTypes: [],
    assistantId: null,
    enabled: false,
    createdById: people.admin.id,
  });
  return endpoint.id;
}

/** A delivery waiting on a disabled endpoint (never sent). */
async function queuedDelivery(): Promise<string> {
  const delivery = await app.services.webhooks.store.enqueue(await disabledEndpoint(), {
    messageId: `msg_matrix_${next()}`,
    eventType: 'webhook-test',
    payload: '{}',
  });
  return delivery.id;
}

async function freshMember(): Promise<User> {
  return app.services.users.ensure({ name: 'Someone', email: `someone-${next()}@example.test`, role: 'member' });
}

/** The outcome `rule` gives `caller` on `owner`'s resource. */
function expected(rule: Rule, caller: Caller, owner: Owner, resourceExecution: number | null): Outcome {
  if (rule.kind === 'public') return 'ok';
  const holder = caller.holder;
  if (!holder) return 'UNAUTHORIZED';
  if (holder.via === 'watch') {
    return rule.kind === 'scope' && rule.watch && resourceExecution === caller.watches ? 'ok' : 'FORBIDDEN';
  }
  const isAdmin = holder.role === 'admin' && holder.scopes.has('admin');
  switch (rule.kind) {
    case 'signed-in':
      return 'ok';
    case 'session':
      if (holder.via !== 'session') return 'FORBIDDEN';
      return rule.own && holder.user !== owner ? 'NOT_FOUND' : 'ok';
    case 'admin':
      return isAdmin ? 'ok' : 'FORBIDDEN';
    case 'scope':
      if (!holder.scopes.has(rule.scope)) return 'FORBIDDEN';
      return rule.own && holder.user !== owner && !isAdmin ? 'NOT_FOUND' : 'ok';
  }
}

function headersOf(caller: Caller): Headers {
  const headers = new Headers();
  if (caller.cookie) headers.set('cookie', caller.cookie);
  if (caller.bearer) headers.set('authorization', `Bearer ${caller.bearer}`);
  return headers;
}

/** Calls `path` as `caller`, through the context the HTTP server builds; a subscription is read to its first item. */
async function outcomeOf(caller: Caller, path: string, input: unknown): Promise<Outcome | string> {
  const context = await createContext(app.services, { headers: headersOf(caller), ipAddress: '127.0.0.1' });
  const procedure = path.split('.').reduce<unknown>((target, key) => (target as Record<string, unknown>)[key], createCaller(context)) as (
    input: unknown,
  ) => Promise<unknown>;
  try {
    const result = await procedure(input);
    // A subscription, or a streamed mutation: what it checks runs as it is read.
    if (procedureTypes.get(path) === 'subscription' || (result !== null && typeof result === 'object' && Symbol.asyncIterator in result)) {
      const iterator = (result as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      const first = await iterator.next();
      await iterator.return?.();
      // A stream of many executions refuses one of them with an item, not by failing.
      const item = (Array.isArray(first.value) ? first.value[1] : first.value) as { kind?: string; code?: Outcome } | undefined;
      if (item?.kind === 'error' && item.code) return item.code;
    }
    return 'ok';
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

const procedureTypes = new Map(
  Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: 'query' | 'mutation' | 'subscription' } }>).map(([path, procedure]) => [
    path,
    procedure._def.type,
  ]),
);

const STATUS: Record<Outcome, number> = { ok: 200, UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409 };

beforeAll(async () => {
  app = await startTestApp();
  people.A = app.people.demo;
  people.B = app.people.other;
  people.admin = app.people.admin;
  for (const owner of ['A', 'B'] as const) {
    const assistant = await freshAssistant(owner);
    resources[owner] = { assistantId: assistant.id, executionId: 0, importId: '', ...(await freshRepository(owner)) };
    resources[owner].importId = await finishedImport(owner, resources[owner].repositoryId);
    resources[owner].executionId = await runToEnd(owner);
  }
  ownerCookies.A = await sessionCookie(people.A.email);
  const cookieA = ownerCookies.A;
  ownerCookies.B = await sessionCookie(people.B.email);
  const cookieAdmin = await sessionCookie(people.admin.email);
  const member = (user: 'A' | 'B', via: 'session' | 'token' | 'watch', scopes: readonly TokenScope[]) => ({
    user,
    role: 'member' as const,
    via,
    scopes: new Set(scopes),
  });
  callers.push(
    { name: 'anonymous', holder: null },
    { name: 'member A', cookie: cookieA, holder: member('A', 'session', MEMBER_SCOPES) },
    { name: 'member B', cookie: ownerCookies.B, holder: member('B', 'session', MEMBER_SCOPES) },
    { name: 'admin', cookie: cookieAdmin, holder: { user: 'admin', role: 'admin', via: 'session', scopes: new Set(TOKEN_SCOPES) } },
  );
  for (const scope of MEMBER_SCOPES) {
    callers.push({ name: `A's token with ${scope}`, bearer: (await createToken(cookieA, [scope])).token, holder: member('A', 'token', [scope]) });
  }
  callers.push(
    {
      name: "B's token with every member scope",
      bearer: (await createToken(ownerCookies.B, MEMBER_SCOPES)).token,
      holder: member('B', 'token', MEMBER_SCOPES),
    },
    {
      name: "admin's token with admin",
      bearer: (await createToken(cookieAdmin, ['admin'])).token,
      holder: { user: 'admin', role: 'admin', via: 'token', scopes: new Set(['admin']) },
    },
    // An admin's token without the admin scope acts as a member would.
    {
      name: "admin's token without admin",
      bearer: (await createToken(cookieAdmin, MEMBER_SCOPES)).token,
      holder: { user: 'admin', role: 'admin', via: 'token', scopes: new Set(MEMBER_SCOPES) },
    },
  );

  const expiredToken = await createToken(cookieA, MEMBER_SCOPES);
  await app.services.database.prisma.apiKey.update({ where: { id: expiredToken.id }, data: { expiresAt: new Date(Date.now() - 60_000) } });
  callers.push({ name: 'expired token', bearer: expiredToken.token, holder: null });
  const revokedToken = await createToken(cookieA, MEMBER_SCOPES);
  await mutateWithCookie(app.url, cookieA, 'tokens.revoke', { tokenId: revokedToken.id });
  callers.push({ name: 'revoked token', bearer: revokedToken.token, holder: null });

  // A member signed in and holding a token, then disabled: both stop working.
  const disabled = await as(people.admin).users.create({ name: 'Leaver', email: 'leaver@example.test', password: TEST_PASSWORD });
  const disabledCookie = await sessionCookie(disabled.email);
  const disabledToken = (await createToken(disabledCookie, MEMBER_SCOPES)).token;
  await as(people.admin).users.setDisabled({ userId: disabled.id, disabled: true });
  callers.push({ name: 'disabled account (session)', cookie: disabledCookie, holder: null });
  callers.push({ name: 'disabled account (token)', bearer: disabledToken, holder: null });

  const watchFor = async (executionId: number) => (await as(people.A).executions.createWatchToken({ executionId })).token;
  const otherExecution = await runToEnd('A');
  callers.push({
    name: 'watch token for another execution',
    bearer: await watchFor(otherExecution),
    holder: member('A', 'watch', []),
    watches: otherExecution,
  });
  callers.push({
    name: "watch token for A's execution",
    bearer: await watchFor(resources.A.executionId),
    holder: member('A', 'watch', []),
    watches: resources.A.executionId,
  });
}, 180_000);
afterAll(() => app?.stop());

describe('the authorization matrix', () => {
  it('has a row for every procedure of the router and every export URL, and none for what does not exist', () => {
    const procedures = Object.keys(appRouter._def.procedures).sort();
    expect(Object.keys(MATRIX).sort()).toEqual(procedures);
    expect(Object.keys(EXPORTS).sort()).toEqual(Object.keys(EXPORT_ROUTES).sort());
  });

  it('gives every caller the outcome the rules give, on A’s and on B’s resources', async () => {
    const wrong: string[] = [];
    let cases = 0;
    for (const [path, row] of Object.entries(MATRIX)) {
      for (const owner of ['A', 'B'] as const) {
        for (const caller of callers) {
          const rule = expected(row.rule, caller, owner, resources[owner].executionId);
          const want = rule === 'ok' && row.allowedAs ? row.allowedAs : rule;
          const got = await outcomeOf(caller, path, await row.input(owner));
          cases++;
          if (got !== want) wrong.push(`${path} by ${caller.name} on ${owner}'s: got ${got}, expected ${want}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    console.info(`[matrix] ${Object.keys(MATRIX).length} procedures × ${callers.length} callers × 2 owners = ${cases} calls`);
  }, 300_000);

  it('gives every caller the same answers on every export URL and format, over HTTP', async () => {
    const wrong: string[] = [];
    let cases = 0;
    for (const [route, row] of Object.entries(EXPORTS)) {
      for (const format of EXPORT_FORMATS) {
        for (const owner of ['A', 'B'] as const) {
          for (const caller of callers) {
            const want = STATUS[expected(row.rule, caller, owner, route === 'executionEvents' ? resources[owner].executionId : null)];
            // Watch tokens travel in the URL here, as a link or a plain EventSource sends them.
            const watch = caller.holder?.via === 'watch';
            const path = row.path(owner, format);
            const url = watch ? `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(caller.bearer!)}` : path;
            const headers = watch ? new Headers(caller.cookie ? { cookie: caller.cookie } : {}) : headersOf(caller);
            const response = await fetch(`${app.url}${url}`, { headers });
            await response.arrayBuffer();
            cases++;
            if (response.status !== want) wrong.push(`${url} by ${caller.name} on ${owner}'s: got ${response.status}, expected ${want}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
    console.info(
      `[matrix] ${Object.keys(EXPORTS).length} export URLs × ${EXPORT_FORMATS.length} formats × ${callers.length} callers × 2 owners = ${cases} requests`,
    );
  }, 300_000);

  it('lists to each caller only what the rules let them see', async () => {
    const wrong: string[] = [];
    for (const caller of callers) {
      const holder = caller.holder;
      if (!holder || holder.via === 'watch') continue;
      const context = await createContext(app.services, { headers: headersOf(caller), ipAddress: '127.0.0.1' });
      const api = createCaller(context);
      const isAdmin = holder.role === 'admin' && holder.scopes.has('admin');
      const sees = (owner: Owner) => isAdmin || holder.user === owner;
      const check = (what: string, listed: readonly number[], ids: Record<Owner, number>) => {
        for (const owner of ['A', 'B'] as const) {
          if (listed.includes(ids[owner]) !== sees(owner)) wrong.push(`${what} for ${caller.name}: ${owner}'s ${sees(owner) ? 'missing' : 'shown'}`);
        }
      };
      if (holder.scopes.has('executions:read')) {
        const { items } = await api.executions.list({ limit: 100 });
        check(
          'executions.list',
          items.map((item) => item.id),
          { A: resources.A.executionId, B: resources.B.executionId },
        );
        const response = await fetch(`${app.url}/api/executions.json`, { headers: headersOf(caller) });
        const exported = (await response.json()) as Array<{ id: number }>;
        check(
          '/api/executions.json',
          exported.map((row) => row.id),
          { A: resources.A.executionId, B: resources.B.executionId },
        );
      }
      if (holder.scopes.has('assistants:read')) {
        check(
          'assistants.list',
          (await api.assistants.list()).items.map((item) => item.id),
          { A: resources.A.assistantId, B: resources.B.assistantId },
        );
        const repositories = (await api.knowledge.repositories.list()).items;
        check(
          'knowledge.repositories.list',
          repositories.map((item) => item.id),
          { A: resources.A.repositoryId, B: resources.B.repositoryId },
        );
      }
    }
    expect(wrong).toEqual([]);
  });
});
