import { seedDemo, type User } from '@aae/db';
import { createProjectTestDatabase } from '@aae/db/testing';
import type { StoredEvent } from '@aae/events';
import { createContextInner } from '../context.ts';
import { appRouter } from '../root.ts';
import { createAppServices, type AppServices } from '../services.ts';
import { createCallerFactory } from '../trpc.ts';

const createCaller = createCallerFactory(appRouter);
export type Caller = ReturnType<typeof createCaller>;

export interface TestServices {
  services: AppServices;
  /** A server-side caller acting as a seeded user (`admin`, `demo`) or as nobody (`null`). */
  caller(user: 'admin' | 'demo' | null): Promise<Caller>;
  demoAssistantId: number;
  close(): Promise<void>;
}

const quiet = { info: () => {}, warn: console.warn, error: console.error };

/** App services on a fresh, migrated, seeded database of the test project's kind. */
export async function createTestServices(): Promise<TestServices> {
  const database = await createProjectTestDatabase();
  const services = createAppServices({ database, localModel: { chunkDelayMs: 0 }, logger: quiet });
  await seedDemo(services);
  const demo = (await services.assistants.list()).find((assistant) => assistant.name === 'Research Brief Writer');
  if (!demo) throw new Error('the demo assistant was not seeded');
  const users = new Map<string, User>();
  for (const user of await services.users.list()) users.set(user.name, user);
  return {
    services,
    demoAssistantId: demo.id,
    async caller(name) {
      const user = name ? (users.get(name) ?? null) : null;
      return createCaller(createContextInner({ services, user }));
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
