import { randomBytes } from 'node:crypto';
import { hashPassword, roleScopes, type Identity } from '@aae/auth';
import { SYSTEM_VIEWER, type User, type UserRole } from '@aae/db';
import { createProjectTestDatabase } from '@aae/db/testing';
import type { StoredEvent } from '@aae/events';
import { createAppServices, seedDemo, type AppServices, type AppServicesOptions } from '@aae/runtime';
import { createContextInner } from '../context.ts';
import { appRouter } from '../root.ts';
import { createCallerFactory } from '../trpc.ts';

const createCaller = createCallerFactory(appRouter);
export type Caller = ReturnType<typeof createCaller>;

/** The people every test database has: an admin and two members. */
export const TEST_PEOPLE = {
  admin: { name: 'admin', email: 'admin@example.test', role: 'admin' },
  demo: { name: 'demo', email: 'demo@example.test', role: 'member' },
  other: { name: 'other', email: 'other@example.test', role: 'member' },
} as const satisfies Record<string, { name: string; email: string; role: UserRole }>;
export type TestPerson = keyof typeof TEST_PEOPLE;
/** Their password, for tests that sign in. */
export const TEST_PASSWORD = 'correct horse battery staple';

/** A fresh secret per test run: sessions and watch tokens are signed with it. */
export const testIdentityOptions = (baseURL = 'http://127.0.0.1'): AppServicesOptions['identity'] => ({
  secret: randomBytes(32).toString('base64url'),
  baseURL,
});

/** Creates the test people (who sign in with `TEST_PASSWORD`); returns them by key. */
export async function seedTestPeople(services: AppServices): Promise<Record<TestPerson, User>> {
  const passwordHash = await hashPassword(TEST_PASSWORD);
  const people = {} as Record<TestPerson, User>;
  for (const [key, person] of Object.entries(TEST_PEOPLE) as Array<[TestPerson, (typeof TEST_PEOPLE)[TestPerson]]>) {
    people[key] = await services.users.createWithPassword({ ...person, passwordHash });
  }
  return people;
}

/** A signed-in browser session's identity: every scope of the person's role. */
export function sessionIdentity(user: User): Identity {
  return { user, via: 'session', scopes: new Set(roleScopes(user.role)), executionId: null, sessionId: null, tokenId: null, expiresAt: null };
}

export interface TestServices {
  services: AppServices;
  people: Record<TestPerson, User>;
  /** A server-side caller signed in as one of the test people, or as nobody (`null`). */
  caller(person: TestPerson | null): Promise<Caller>;
  /** A caller with exactly this identity. */
  callerAs(identity: Identity | null): Caller;
  demoAssistantId: number;
  close(): Promise<void>;
}

const quiet = { info: () => {}, warn: console.warn, error: console.error };

/** App services on a fresh, migrated, seeded database of the test project's kind, with the test people. */
export async function createTestServices(options: Omit<Partial<AppServicesOptions>, 'database' | 'identity'> = {}): Promise<TestServices> {
  const database = await createProjectTestDatabase();
  const services = createAppServices({ localModel: { chunkDelayMs: 0 }, logger: quiet, ...options, database, identity: testIdentityOptions() });
  await seedDemo(services);
  const people = await seedTestPeople(services);
  // The worker of this process runs what `execute` queues.
  await services.runner.startWorking();
  const demo = (await services.assistants.list(SYSTEM_VIEWER)).find((assistant) => assistant.name === 'Research Brief Writer');
  if (!demo) throw new Error('the demo assistant was not seeded');
  const callerAs = (identity: Identity | null) => createCaller(createContextInner({ services, identity }));
  return {
    services,
    people,
    demoAssistantId: demo.id,
    callerAs,
    async caller(person) {
      return callerAs(person ? sessionIdentity(people[person]) : null);
    },
    close: () => services.close(),
  };
}

/** Reads an execution's subscription through the caller until the server ends it. */
export async function readSubscription(
  caller: Caller,
  input: { executionId: number; lastEventId?: string },
): Promise<Array<{ id: string; event: StoredEvent }>> {
  const received: Array<{ id: string; event: StoredEvent }> = [];
  const stream = await caller.events.onExecutionEvent(input);
  for await (const envelope of stream) {
    // A caller gets the raw `tracked(id, data)` envelope: [id, data, marker].
    const [id, event] = envelope as unknown as [string, StoredEvent];
    received.push({ id, event });
  }
  return received;
}

/** Starts the demo assistant and waits for its terminal event. */
export async function runDemoToEnd(caller: Caller, assistantId: number, input: Record<string, string> = { topic: 'tidal energy' }) {
  const { executionId } = await caller.executions.execute({ assistantId, input });
  const received = await readSubscription(caller, { executionId });
  return { executionId, events: received.map((entry) => entry.event) };
}
