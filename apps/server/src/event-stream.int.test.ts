import type { Socket } from 'node:net';
import { getExecutionEvents } from '@aae/client';
import { createGatedModel } from '@aae/engine/testing';
import type { StoredEvent } from '@aae/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectExecutionEvents } from './testing/subscription.ts';
import { createHeldAssistant, demoAssistantIdOf, startTestApp, type TestApp, type TestPerson } from './testing/test-app.ts';

let app: TestApp;
let demoAssistantId: number;
let heldAssistantId: number;
const gated = createGatedModel();

const ids = (events: StoredEvent[]) => events.map((event) => event.eventData.eventId);

beforeAll(async () => {
  // Slow enough that a run lasts long enough to drop a connection in the middle of it.
  app = await startTestApp({ chunkDelayMs: 15, services: { models: [gated.model] } });
  demoAssistantId = await demoAssistantIdOf(app);
  heldAssistantId = await createHeldAssistant(app);
});

afterAll(async () => {
  gated.release();
  await app?.stop();
});

async function runDemo(user: TestPerson = 'demo') {
  return app.client(user).executions.execute.mutate({
    assistantId: demoAssistantId,
    input: { topic: 'solar-powered desalination', audience: 'city planners' },
  });
}

describe('events.onExecutionEvent over SSE', () => {
  it('streams every event of a 3-prompt run live, in stored order, then ends', async () => {
    const client = app.client('demo');
    const { executionId } = await runDemo();
    const stream = collectExecutionEvents(client, { executionId });
    await stream.completed;

    const stored = await getExecutionEvents(client, executionId);
    expect(ids(stream.events)).toEqual(ids(stored));
    expect(stream.events.map((event) => event.sequence)).toEqual(stored.map((_, index) => index + 1));
    expect(stream.events.map((event) => event.eventType)).toEqual([
      'execution-start',
      'prompt-start',
      'variable-substitution',
      'prompt-complete',
      'prompt-start',
      'variable-substitution',
      'prompt-complete',
      'prompt-start',
      'variable-substitution',
      'prompt-complete',
      'execution-complete',
    ]);
    // Stored order is id order too.
    expect(stored.map((event) => event.id)).toEqual([...stored.map((event) => event.id)].sort((a, b) => a - b));
    const execution = await client.executions.get.query({ executionId });
    expect(execution.status).toBe('completed');
    expect(execution.promptResults).toHaveLength(3);
  });

  it('resumes from the last event id after the client drops mid-run: no gap, no duplicate', async () => {
    const client = app.client('demo');
    const { executionId } = await runDemo();
    const first = collectExecutionEvents(client, { executionId });
    await first.received(4);
    first.unsubscribe();
    const seenBeforeDrop = [...first.events];
    const lastEventId = seenBeforeDrop.at(-1)!.eventData.eventId;

    const second = collectExecutionEvents(client, { executionId, lastEventId });
    await second.completed;

    const stored = await getExecutionEvents(client, executionId);
    expect(stored.at(-1)!.eventType).toBe('execution-complete');
    // The run went on while nobody listened: the second connection started mid-run.
    expect(second.events.length).toBeGreaterThan(0);
    expect([...ids(seenBeforeDrop), ...ids(second.events)]).toEqual(ids(stored));
  });

  it('recovers by itself when the server cuts the connection mid-run', async () => {
    const client = app.client('demo');
    const { executionId } = await runDemo();
    const sockets = new Set<Socket>();
    const track = (socket: Socket) => sockets.add(socket);
    app.http.server.on('connection', track);
    const stream = collectExecutionEvents(client, { executionId });
    await stream.received(3);
    // Cut every open connection, as a proxy restart or network drop would.
    app.http.server.off('connection', track);
    app.http.server.closeAllConnections();
    await stream.completed;

    const stored = await getExecutionEvents(client, executionId);
    expect(ids(stream.events)).toEqual(ids(stored));
    expect(stream.connectionStates).toContain('connecting');
  });

  it('reconnects on its own schedule after each cut, resuming after the last event: nothing lost, nothing twice', async () => {
    const client = app.client('demo');
    // Held while the connection is cut (its model waits), so every cut falls mid-run.
    const { executionId } = await client.executions.execute.mutate({ assistantId: heldAssistantId, input: {} });
    const resumed: string[] = [];
    const onRequest = (req: { url?: string }) => {
      const url = new URL(req.url ?? '/', app.url);
      if (url.pathname === '/trpc/events.onExecutionEvent' && url.searchParams.has('lastEventId')) resumed.push(url.searchParams.get('lastEventId')!);
    };
    app.http.server.on('request', onRequest);
    try {
      const stream = collectExecutionEvents(client, { executionId });
      await stream.received(2);
      for (let cut = 0; cut < 3; cut++) {
        const before = resumed.length;
        app.http.server.closeAllConnections();
        // The client's own reconnection names where it resumes in the URL (an EventSource's would send only the header).
        await expect.poll(() => resumed.length).toBeGreaterThan(before);
      }
      await client.executions.cancel.mutate({ executionId });
      await stream.completed;
      const stored = await getExecutionEvents(client, executionId);
      expect(ids(stream.events)).toEqual(ids(stored));
      expect(stream.events.at(-1)!.eventType).toBe('execution-error');
      expect(resumed.every((id) => ids(stored).includes(id))).toBe(true);
    } finally {
      app.http.server.off('request', onRequest);
    }
  });

  it('replays the full history to a subscriber who arrives after completion, then ends', async () => {
    const client = app.client('demo');
    const { executionId } = await runDemo();
    await collectExecutionEvents(client, { executionId }).completed;

    const late = collectExecutionEvents(client, { executionId });
    await late.completed;
    const stored = await getExecutionEvents(client, executionId);
    expect(ids(late.events)).toEqual(ids(stored));
    expect(late.events.at(-1)!.eventType).toBe('execution-complete');

    const fromEnd = collectExecutionEvents(client, { executionId, lastEventId: stored.at(-1)!.eventData.eventId });
    await fromEnd.completed;
    expect(fromEnd.events).toEqual([]);
  });

  it('serves many watchers of one run the same order', async () => {
    const { executionId } = await runDemo();
    const watchers = (['demo', 'demo', 'admin', 'admin'] as const).map((user) => collectExecutionEvents(app.client(user), { executionId }));
    await Promise.all(watchers.map((watcher) => watcher.completed));
    const stored = ids(await getExecutionEvents(app.client('admin'), executionId));
    for (const watcher of watchers) expect(ids(watcher.events)).toEqual(stored);
  });

  it('refuses another user, an unknown execution and a foreign lastEventId with clear errors', async () => {
    const { executionId } = await runDemo('admin');
    await expect(collectExecutionEvents(app.client('demo'), { executionId }).completed).rejects.toMatchObject({
      data: { code: 'NOT_FOUND' },
      message: `Execution ${executionId} does not exist`,
    });
    await expect(collectExecutionEvents(app.client('demo'), { executionId: 999_999 }).completed).rejects.toMatchObject({
      data: { code: 'NOT_FOUND' },
    });
    await expect(collectExecutionEvents(app.client('admin'), { executionId, lastEventId: 'evt_1_000001' }).completed).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
      message: expect.stringContaining('belongs to execution 1'),
    });
  });
});

describe('events.onAnyEvent: the admin feed', () => {
  it('streams every execution’s new events on one connection, filtered, with who ran what', async () => {
    const admin = app.client('admin');
    const received: Array<{ id: string; type: string; executionId: number; userName: string }> = [];
    let started: () => void = () => {};
    const attached = new Promise<void>((resolve) => (started = resolve));
    const feed = admin.events.onAnyEvent.subscribe(
      // A backlog: what happens between the stream starting and the feed attaching is not missed.
      { types: ['execution-start', 'execution-complete'], backlog: 20 },
      {
        onStarted: () => started(),
        onData: ({ id, data }) => received.push({ id, type: data.event.eventType, executionId: data.event.executionId, userName: data.userName }),
      },
    );
    await attached;
    const first = await runDemo('demo');
    const second = await runDemo('admin');
    await Promise.all([first, second].map(({ executionId }) => collectExecutionEvents(admin, { executionId }).completed));
    const byExecution = (executionId: number) => received.filter((item) => item.executionId === executionId).map((item) => item.type);
    await expect.poll(() => [byExecution(first.executionId).length, byExecution(second.executionId).length], { timeout: 30_000 }).toEqual([2, 2]);
    feed.unsubscribe();
    expect(byExecution(first.executionId)).toEqual(['execution-start', 'execution-complete']);
    expect(byExecution(second.executionId)).toEqual(['execution-start', 'execution-complete']);
    expect(received.find((item) => item.executionId === first.executionId)!.userName).toBe('demo');
    expect(new Set(received.map((item) => item.type))).toEqual(new Set(['execution-start', 'execution-complete']));
  });

  it('starts with the latest backlog, oldest first, and is for admins only', async () => {
    const { executionId } = await runDemo('demo');
    await collectExecutionEvents(app.client('demo'), { executionId }).completed;
    const stored = await getExecutionEvents(app.client('demo'), executionId);
    const backlog = await new Promise<number[]>((resolve) => {
      const ids: number[] = [];
      const feed = app.client('admin').events.onAnyEvent.subscribe(
        { backlog: 5 },
        {
          onData: ({ data }) => {
            ids.push(data.event.id);
            if (ids.length === 5) {
              feed.unsubscribe();
              resolve(ids);
            }
          },
        },
      );
    });
    expect(backlog).toEqual(stored.slice(-5).map((event) => event.id));
    const refused = new Promise((resolve) => {
      app.client('demo').events.onAnyEvent.subscribe({}, { onError: resolve });
    });
    await expect(refused).resolves.toMatchObject({ data: { code: 'FORBIDDEN' } });
  });
});
