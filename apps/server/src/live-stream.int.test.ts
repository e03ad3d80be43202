import { createAaeClient, getExecutionEvents, type AaeClient } from '@aae/client';
import { createGatedModel } from '@aae/engine/testing';
import { deferred, type StoredEvent } from '@aae/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHeldAssistant, demoAssistantIdOf, startTestApp, type TestApp, type TestPerson } from './testing/test-app.ts';

let app: TestApp;
let demoAssistantId: number;
let heldAssistantId: number;
const gated = createGatedModel();

beforeAll(async () => {
  app = await startTestApp({ chunkDelayMs: 10, services: { models: [gated.model] } });
  demoAssistantId = await demoAssistantIdOf(app);
  heldAssistantId = await createHeldAssistant(app);
});

afterAll(async () => {
  gated.release();
  await app?.stop();
});

type LiveInput = Parameters<AaeClient['events']['onLive']['subscribe']>[0];

/** Everything one `events.onLive` subscription delivers, by execution, through the real client. */
function collectLive(client: AaeClient, input: LiveInput) {
  const events = new Map<number, StoredEvent[]>();
  const output = new Map<number, string>();
  const ends: number[] = [];
  const errors: Array<{ executionId: number; code: string; message: string }> = [];
  const feed: Array<{ event: StoredEvent; assistantName: string; userName: string }> = [];
  const feedErrors: Array<{ code: string; message: string }> = [];
  /** How many feed items had come when the feed said it was live. */
  const feedLiveAt: number[] = [];
  const cursors: string[] = [];
  const failed = deferred<unknown>();
  const started = deferred<void>();
  const subscription = client.events.onLive.subscribe(input, {
    onStarted: () => started.resolve(),
    onData({ id, data: item }) {
      cursors.push(id);
      if (item.kind === 'event') events.set(item.event.executionId, [...(events.get(item.event.executionId) ?? []), item.event]);
      else if (item.kind === 'output') output.set(item.executionId, (item.replace ? '' : (output.get(item.executionId) ?? '')) + item.text);
      else if (item.kind === 'end') ends.push(item.executionId);
      else if (item.kind === 'feed') feed.push(item.item);
      else if (item.kind === 'feed-live') feedLiveAt.push(feed.length);
      else if (item.kind === 'feed-error') feedErrors.push({ code: item.code, message: item.message });
      else errors.push({ executionId: item.executionId, code: item.code, message: item.message });
    },
    onError: (error) => failed.resolve(error),
  });
  return {
    events,
    output,
    ends,
    errors,
    feed,
    feedErrors,
    feedLiveAt,
    feedOf: (executionId: number) => feed.filter((item) => item.event.executionId === executionId).map((item) => item.event),
    cursors,
    failed: failed.promise,
    started: started.promise,
    eventsOf: (executionId: number) => events.get(executionId) ?? [],
    unsubscribe: () => subscription.unsubscribe(),
  };
}

const ids = (events: readonly StoredEvent[]) => events.map((event) => event.eventData.eventId);

async function run(assistantId: number, user: TestPerson = 'demo') {
  const input: Record<string, string> = assistantId === demoAssistantId ? { topic: 'tide pools', audience: 'children' } : {};
  return (await app.client(user).executions.execute.mutate({ assistantId, input })).executionId;
}

/** The `lastEventId`s `events.onLive` is reconnected with, as the server receives them, until `stop`. */
function recordResumes() {
  const resumedWith: string[] = [];
  const onRequest = (req: { url?: string }) => {
    const url = new URL(req.url ?? '/', app.url);
    if (url.pathname === '/trpc/events.onLive' && url.searchParams.has('lastEventId')) resumedWith.push(url.searchParams.get('lastEventId')!);
  };
  app.http.server.on('request', onRequest);
  return { resumedWith, stop: () => app.http.server.off('request', onRequest) };
}

describe('events.onLive: many executions on one stream', () => {
  it('sends each execution’s events once and in order, its output when asked, and the end of each', async () => {
    const client = app.client('demo');
    const demos = [await run(demoAssistantId), await run(demoAssistantId), await run(demoAssistantId)];
    const held = await run(heldAssistantId);
    const live = collectLive(client, { executions: [...demos.map((executionId) => ({ executionId })), { executionId: held, output: true }] });

    // The held run writes its first words, then waits: its output arrives while it runs.
    await expect.poll(() => live.output.get(held)).toBe('The first words, ');
    await expect.poll(() => [...live.ends].sort()).toEqual([...demos].sort());
    expect(live.ends).not.toContain(held);
    await client.executions.cancel.mutate({ executionId: held });
    await expect.poll(() => live.ends).toContain(held);
    live.unsubscribe();

    for (const executionId of [...demos, held]) {
      const stored = await getExecutionEvents(client, executionId);
      expect(ids(live.eventsOf(executionId))).toEqual(ids(stored));
      expect(live.ends.filter((id) => id === executionId)).toHaveLength(1);
    }
    expect(live.eventsOf(held).at(-1)!.eventType).toBe('execution-error');
    expect(live.errors).toEqual([]);
    // The last cursor says every execution is done; before its end, one named its last event.
    expect(
      live.cursors
        .at(-1)!
        .replace(/^live:/, '')
        .split(',')
        .sort(),
    ).toEqual([...demos, held].map((id) => `${id}:end`).sort());
    const lastHeld = live.eventsOf(held).at(-1)!;
    expect(live.cursors).toContainEqual(expect.stringMatching(new RegExp(`\\b${held}:${lastHeld.sequence}\\b`)));
  });

  it('resumes every execution after its own lastEventId when subscribed again', async () => {
    const client = app.client('demo');
    const executions = [await run(heldAssistantId), await run(heldAssistantId)];
    const first = collectLive(client, { executions: executions.map((executionId) => ({ executionId })) });
    await expect.poll(() => executions.map((executionId) => first.eventsOf(executionId).length >= 2)).toEqual([true, true]);
    first.unsubscribe();
    // While nobody listens, both end.
    for (const executionId of executions) await client.executions.cancel.mutate({ executionId });

    const lastSeen = executions.map((executionId) => first.eventsOf(executionId).at(-1)!.eventData.eventId);
    const second = collectLive(client, { executions: executions.map((executionId, index) => ({ executionId, lastEventId: lastSeen[index] })) });
    await expect.poll(() => [...second.ends].sort()).toEqual([...executions].sort());
    for (const executionId of executions) {
      const stored = await getExecutionEvents(client, executionId);
      expect(second.eventsOf(executionId).length).toBeGreaterThan(0);
      expect([...ids(first.eventsOf(executionId)), ...ids(second.eventsOf(executionId))]).toEqual(ids(stored));
    }
    second.unsubscribe();
  });

  it('resumes every execution by itself after the connection is cut: nothing lost, nothing twice', async () => {
    const client = app.client('demo');
    const held = await run(heldAssistantId);
    const demo = await run(demoAssistantId);
    const { resumedWith, stop: stopRecording } = recordResumes();
    try {
      const live = collectLive(client, { executions: [{ executionId: held }, { executionId: demo }] });
      await expect.poll(() => live.eventsOf(held).length).toBeGreaterThanOrEqual(2);
      app.http.server.closeAllConnections();
      await expect.poll(() => resumedWith.length).toBeGreaterThan(0);
      expect(resumedWith[0]).toMatch(new RegExp(`^live:.*\\b${held}:\\d+`));
      await client.executions.cancel.mutate({ executionId: held });
      await expect.poll(() => [...live.ends].sort()).toEqual([held, demo].sort());
      live.unsubscribe();
      for (const executionId of [held, demo]) expect(ids(live.eventsOf(executionId))).toEqual(ids(await getExecutionEvents(client, executionId)));
    } finally {
      stopRecording();
    }
  });

  it('refuses one execution it may not read without ending the others', async () => {
    const demo = app.client('demo');
    const own = await run(demoAssistantId);
    const others = await run(demoAssistantId, 'other');
    const live = collectLive(demo, {
      executions: [{ executionId: others }, { executionId: 999_999 }, { executionId: own }, { executionId: 888_888, lastEventId: 'evt_1_000001' }],
    });
    await expect.poll(() => live.ends).toEqual([own]);
    expect(ids(live.eventsOf(own))).toEqual(ids(await getExecutionEvents(demo, own)));
    expect(live.eventsOf(others)).toEqual([]);
    expect([...live.errors].sort((a, b) => a.executionId - b.executionId)).toEqual(
      [
        { executionId: others, code: 'NOT_FOUND', message: `Execution ${others} does not exist` },
        { executionId: 999_999, code: 'NOT_FOUND', message: 'Execution 999999 does not exist' },
        { executionId: 888_888, code: 'BAD_REQUEST', message: expect.stringContaining('belongs to execution 1') },
      ].sort((a, b) => a.executionId - b.executionId),
    );
    live.unsubscribe();

    // A watch token reads its own execution only.
    const { token } = await demo.executions.createWatchToken.mutate({ executionId: own });
    const watcher = collectLive(createAaeClient({ baseUrl: app.url, token }), { executions: [{ executionId: others }, { executionId: own }] });
    await expect.poll(() => watcher.ends).toEqual([own]);
    expect(watcher.errors).toEqual([{ executionId: others, code: 'FORBIDDEN', message: `This watch token reads execution ${own} only` }]);
    expect(ids(watcher.eventsOf(own))).toEqual(ids(await getExecutionEvents(demo, own)));
    watcher.unsubscribe();
  });

  it('follows at most 50 executions on one stream, and each only once', async () => {
    const client = app.client('demo');
    const tooMany = collectLive(client, { executions: Array.from({ length: 51 }, (_, index) => ({ executionId: index + 1 })) });
    await expect(tooMany.failed).resolves.toMatchObject({
      data: { code: 'BAD_REQUEST' },
      message: expect.stringContaining('at most 50 executions on one live stream'),
    });
    const twice = collectLive(client, { executions: [{ executionId: 1 }, { executionId: 1 }] });
    await expect(twice.failed).resolves.toMatchObject({ data: { code: 'BAD_REQUEST' }, message: expect.stringContaining('each execution at most once') });
    const fifty = collectLive(client, { executions: Array.from({ length: 50 }, (_, index) => ({ executionId: 900_000 + index })) });
    await expect.poll(() => fifty.errors.length).toBe(50);
    fifty.unsubscribe();
  });
});

describe('events.onLive: the admin feed on the same stream', () => {
  it('sends an admin the feed’s backlog, then its live events, beside the executions’ own', async () => {
    const admin = app.client('admin');
    const finished = await run(demoAssistantId, 'admin');
    await expect.poll(async () => (await getExecutionEvents(admin, finished)).at(-1)?.eventType).toBe('execution-complete');
    const before = await getExecutionEvents(admin, finished);
    const held = await run(heldAssistantId, 'admin');
    // Wait for the held run to write (and stop at) its first words: nothing else is written meanwhile.
    const waiting = collectLive(admin, { executions: [{ executionId: held, output: true }] });
    await expect.poll(() => waiting.output.get(held)).toBe('The first words, ');
    waiting.unsubscribe();
    const heldBefore = await getExecutionEvents(admin, held);
    const latest = [...before, ...heldBefore].sort((a, b) => a.id - b.id).slice(-3);

    const live = collectLive(admin, { executions: [{ executionId: held }], feed: { backlog: 3 } });
    await expect.poll(() => live.feed.length).toBeGreaterThanOrEqual(3);
    expect(live.feed.slice(0, 3).map((item) => item.event.id)).toEqual(latest.map((event) => event.id));
    expect(live.feedLiveAt).toEqual([3]);
    await admin.executions.cancel.mutate({ executionId: held });
    await expect.poll(() => live.ends).toEqual([held]);
    const stored = await getExecutionEvents(admin, held);
    // The terminal event comes live on the feed too, with who ran what.
    await expect.poll(() => live.feedOf(held).at(-1)?.id).toBe(stored.at(-1)!.id);
    live.unsubscribe();
    expect(ids(live.eventsOf(held))).toEqual(ids(stored));
    expect(live.feed.find((item) => item.event.id === stored.at(-1)!.id)).toMatchObject({ userName: 'admin', assistantName: expect.any(String) });
    expect(new Set(live.feed.map((item) => item.event.id)).size).toBe(live.feed.length);
    expect(live.feedErrors).toEqual([]);
    expect(live.cursors.at(-1)).toMatch(new RegExp(`^live:${held}:end,feed:${stored.at(-1)!.id}$`));
  });

  it('filters the feed as onAnyEvent does', async () => {
    const admin = app.client('admin');
    // A backlog: what happens between the stream starting and the feed attaching is not missed.
    const live = collectLive(admin, {
      executions: [],
      feed: { types: ['execution-start', 'execution-complete'], assistantName: 'NO SUCH ASSISTANT', backlog: 20 },
    });
    const named = collectLive(admin, { executions: [], feed: { types: ['execution-complete'], assistantName: 'brief WRITER', backlog: 20 } });
    await Promise.all([live.started, named.started]);
    const finished = await run(demoAssistantId, 'admin');
    await expect.poll(() => named.feedOf(finished).map((event) => event.eventType)).toEqual(['execution-complete']);
    live.unsubscribe();
    named.unsubscribe();
    expect(live.feed).toEqual([]);
    expect(named.feed.every((item) => item.event.eventType === 'execution-complete' && item.assistantName === 'Research Brief Writer')).toBe(true);
  });

  it('refuses the feed to a member with one error item while their executions go on', async () => {
    const demo = app.client('demo');
    const own = await run(demoAssistantId);
    const live = collectLive(demo, { executions: [{ executionId: own }], feed: { backlog: 5 } });
    await expect.poll(() => live.ends).toEqual([own]);
    live.unsubscribe();
    expect(live.feedErrors).toEqual([{ code: 'FORBIDDEN', message: 'Only admins may do this' }]);
    expect(live.feed).toEqual([]);
    expect(live.feedLiveAt).toEqual([]);
    expect(live.errors).toEqual([]);
    expect(ids(live.eventsOf(own))).toEqual(ids(await getExecutionEvents(demo, own)));
    expect(live.cursors.at(-1)).toBe(`live:${own}:end,feed:end`);
  });

  it('resumes the feed by itself after the connection is cut: nothing lost, nothing twice', async () => {
    const admin = app.client('admin');
    const { resumedWith, stop: stopRecording } = recordResumes();
    try {
      const live = collectLive(admin, { executions: [], feed: { backlog: 10 } });
      await live.started;
      const held = await run(heldAssistantId, 'admin');
      await expect.poll(() => live.feedOf(held).length).toBeGreaterThanOrEqual(2);
      app.http.server.closeAllConnections();
      await expect.poll(() => resumedWith.length).toBeGreaterThan(0);
      expect(resumedWith[0]).toMatch(/^live:feed:\d+$/);
      await admin.executions.cancel.mutate({ executionId: held });
      const other = await run(demoAssistantId, 'admin');
      const stored = await getExecutionEvents(admin, held);
      await expect.poll(async () => (await getExecutionEvents(admin, other)).at(-1)?.eventType).toBe('execution-complete');
      const otherStored = await getExecutionEvents(admin, other);
      await expect.poll(() => live.feedOf(other).length).toBe(otherStored.length);
      live.unsubscribe();
      expect(ids(live.feedOf(held))).toEqual(ids(stored));
      expect(ids(live.feedOf(other))).toEqual(ids(otherStored));
      expect(new Set(live.feed.map((item) => item.event.id)).size).toBe(live.feed.length);
      // Live at first and again after resuming.
      expect(live.feedLiveAt).toHaveLength(2);
    } finally {
      stopRecording();
    }
  });
});
