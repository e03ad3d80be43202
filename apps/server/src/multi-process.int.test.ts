import { createAaeClient, getExecutionEvents } from '@aae/client';
import { createGatedModel } from '@aae/engine/testing';
import { createDatabase, decodeOutputNotification, ORPHAN_ERROR, OUTPUT_CHANNEL, type PostgresEventBus } from '@aae/db';
import { listenForNotifications, testDatabaseKind } from '@aae/db/testing';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { collectExecutionEvents, collectExecutionOutput } from './testing/subscription.ts';
import { mutateWithCookie, signIn, startTestApp, type TestApp, type TestAppOptions } from './testing/test-app.ts';

// Several server processes share one PostgreSQL database (PGlite belongs to one process).
// Each TestApp here is a whole server with its own connection pool, LISTEN connection and runner.
describe.skipIf(testDatabaseKind() !== 'postgres')('several server processes on one PostgreSQL database', () => {
  let a: TestApp;
  let b: TestApp;
  let demoAssistantId: number;

  const secondProcess = (app: TestApp, services?: TestAppOptions['services']) =>
    startTestApp({ database: createDatabase({ databaseUrl: app.database.connectionString }), chunkDelayMs: 10, services });
  const ids = (events: Array<{ eventData: { eventId: string } }>) => events.map((event) => event.eventData.eventId);
  /**
   * A third process whose shared assistant holds its runs mid-prompt until `gated.release()`. It
   * alone has the gated model, so it alone claims from the queue until it stops.
   */
  async function holdingProcess(name: string, words?: Parameters<typeof createGatedModel>[0]) {
    const gated = createGatedModel(words);
    // Never answered from the response cache, which another test's released run of the same prompt may have filled.
    const started = await secondProcess(a, { models: [gated.model], responseCache: false });
    for (const app of [a, b]) app.services.runner.pause();
    const stopStarted = started.stop.bind(started);
    const holder = Object.assign(started, {
      async stop() {
        const drained = await stopStarted();
        for (const app of [a, b]) app.services.runner.resume();
        return drained;
      },
    });
    const held = await holder.client('admin').assistants.create.mutate({
      name,
      visibility: 'shared',
      prompts: [{ name: 'Held', position: 1, modelId: 'gated', content: 'Wait for it' }],
    });
    return { gated, holder, heldAssistantId: held.id };
  }

  beforeAll(async () => {
    a = await startTestApp({ chunkDelayMs: 10 });
    b = await secondProcess(a);
    await Promise.all([a, b].map((app) => (app.services.bus as PostgresEventBus).ready));
    demoAssistantId = (await a.client('demo').assistants.list.query()).items[0]!.id;
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('streams a run on one process live to a watcher on another, in stored order', async () => {
    // A runs it: B claims nothing meanwhile.
    b.services.runner.pause();
    onTestFinished(() => b.services.runner.resume());
    const { executionId } = await a.client('demo').executions.execute.mutate({ assistantId: demoAssistantId, input: { topic: 'kelp' } });
    let runningWhenFirstSeen: boolean | null = null;
    const stream = collectExecutionEvents(b.client('demo'), { executionId });
    await stream.received(1).then(() => (runningWhenFirstSeen = a.services.runner.isRunning(executionId)));
    await stream.completed;
    expect(runningWhenFirstSeen).toBe(true);
    expect(b.services.runner.isRunning(executionId)).toBe(false);
    const stored = await getExecutionEvents(a.client('demo'), executionId);
    expect(ids(stream.events)).toEqual(ids(stored));
    expect(stream.events.at(-1)!.eventType).toBe('execution-complete');
  });

  it('streams the text a model writes on one process to readers on others as it is written, in notifications under 8000 bytes', async ({ annotate }) => {
    const notifications = await listenForNotifications(a.database.connectionString!, OUTPUT_CHANNEL);
    // Long and multi-byte, in one piece: it takes several notifications.
    const first = 'Tides 🌊 ebb and flow — “Ünïcödé” \\ 海 '.repeat(600);
    const rest = 'then the slack water.';
    const { gated, holder, heldAssistantId } = await holdingProcess('Held for its text', { first, rest });
    try {
      const { executionId } = await holder.client('demo').executions.execute.mutate({ assistantId: heldAssistantId, input: {} });
      const onB = collectExecutionOutput(b.client('demo'), { executionId });
      // The run is held after its first words: all B shows was written while it runs, on the holder.
      await expect.poll(() => onB.text()).toBe(first);
      expect(holder.services.runner.isRunning(executionId)).toBe(true);
      expect(b.services.runner.isRunning(executionId)).toBe(false);
      // Nobody on A watched it: A kept the text so far all the same, for a reader who attaches now.
      const onA = collectExecutionOutput(a.client('demo'), { executionId });
      await expect.poll(() => onA.text()).toBe(first);
      expect(onA.deltas[0]!.replace).toBe(true);

      gated.release();
      await Promise.all([onB.completed, onA.completed]);
      const execution = await b.client('demo').executions.get.query({ executionId });
      const stored = execution.promptResults[0]!.output;
      expect(stored).toBe(first + rest);
      expect(onB.text()).toBe(stored);
      expect(onA.text()).toBe(stored);

      // The last notification of the run (its end) came after every piece of its text.
      const ours = () => notifications.payloads.filter((payload) => decodeOutputNotification(payload)?.executionId === executionId);
      await expect.poll(() => ours().some((payload) => decodeOutputNotification(payload)!.executionEnded)).toBe(true);
      const sizes = ours().map((payload) => Buffer.byteLength(payload));
      const largest = Math.max(...sizes);
      await annotate(`${sizes.length} output notifications, the largest ${largest} bytes`);
      expect(Buffer.byteLength(first)).toBeGreaterThan(3 * 8_000);
      expect(sizes.length).toBeGreaterThan(3);
      expect(largest).toBeLessThan(8_000);
    } finally {
      gated.release();
      await holder.stop();
      await notifications.close();
    }
  });

  it('a process that starts later leaves the other processes’ running executions alone', async () => {
    const { executionId } = await a.client('demo').executions.execute.mutate({ assistantId: demoAssistantId, input: { topic: 'moss' } });
    const c = await secondProcess(a);
    try {
      await a.services.runner.waitFor(executionId);
      const events = await getExecutionEvents(c.client('demo'), executionId);
      expect(events.filter((event) => event.eventType === 'execution-error')).toEqual([]);
      expect(events.at(-1)!.eventType).toBe('execution-complete');
    } finally {
      await c.stop();
    }
  });

  it('closes an execution whose process died past its attempts cap, once, and its watchers on other processes see the end', async () => {
    const { prisma } = a.services.database;
    const user = a.people.demo;
    // A run whose process died on its last allowed attempt: running, lease long expired.
    const { executionId } = await a.client('demo').executions.execute.mutate({ assistantId: demoAssistantId, input: { topic: 'ferns' } });
    await a.services.runner.waitFor(executionId);
    const orphan = await prisma.execution.create({
      data: {
        assistantId: demoAssistantId,
        assistantVersion: 1,
        userId: user.id,
        status: 'running',
        workerId: 'dead-process',
        attempts: a.services.runner.maxAttempts,
        startedAt: new Date(Date.now() - 120_000),
        heartbeatAt: new Date(Date.now() - 120_000),
      },
    });
    // Watched on both processes: whichever closes it, the other learns through NOTIFY (or, if it
    // attaches after, from the store): either way each sees the end once.
    const watchers = [a, b].map((app) => collectExecutionEvents(app.client('demo'), { executionId: orphan.id }));
    // Both other processes sweep at once; exactly one terminal event results.
    const [fromA, fromB] = await Promise.all([a.services.runner.recoverInterrupted(), b.services.runner.recoverInterrupted()]);
    // Their periodic sweeps may have got there first: then these find nothing left to close.
    expect([...fromA.closed, ...fromB.closed].filter((id) => id !== orphan.id)).toEqual([]);
    expect([...fromA.closed, ...fromB.closed].length).toBeLessThanOrEqual(1);
    expect([...fromA.requeued, ...fromB.requeued]).not.toContain(orphan.id);
    for (const watcher of watchers) {
      await watcher.completed;
      expect(watcher.events.map((event) => event.eventType)).toEqual(['execution-error']);
      expect(watcher.events[0]!.eventData).toMatchObject({ executionId: orphan.id, error: ORPHAN_ERROR, recoverable: true });
    }
    const row = await prisma.execution.findUniqueOrThrow({ where: { id: orphan.id } });
    expect(row.status).toBe('failed');
    expect((await b.services.runner.recoverInterrupted()).closed).toEqual([]);
  });

  it('has every open stream of a process connect again after its LISTEN connection dropped, losing nothing', async () => {
    // Revocations announced while a process was not listening are lost: its streams are checked afresh.
    const { gated, holder, heldAssistantId } = await holdingProcess('Held across a reconnect');
    try {
      const { executionId } = await holder.client('demo').executions.execute.mutate({ assistantId: heldAssistantId, input: {} });
      const stream = collectExecutionEvents(b.client('demo'), { executionId });
      await stream.received(2);
      const bus = b.services.bus as PostgresEventBus;
      await a.services.database.prisma
        .$queryRaw`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${`aae-listen-${bus.processId}`}`;
      await stream.retried('The server lost touch with its other processes for a moment; connecting again');
      gated.release();
      await stream.completed;
      const stored = await getExecutionEvents(a.client('demo'), executionId);
      expect(ids(stream.events)).toEqual(ids(stored));
      expect(stream.events.at(-1)!.eventType).toBe('execution-complete');
    } finally {
      gated.release();
      await holder.stop();
    }
  });

  it('keeps a run on its worker when only the worker’s lock connection drops: its heartbeats go on, so nobody takes it over', async () => {
    const { gated, holder, heldAssistantId } = await holdingProcess('Held across a lock reconnect');
    try {
      const { prisma } = a.services.database;
      const { executionId } = await holder.client('demo').executions.execute.mutate({ assistantId: heldAssistantId, input: {} });
      const stream = collectExecutionEvents(b.client('demo'), { executionId });
      await stream.received(2);
      const session = `aae-worker-${holder.services.runner.workerId.slice(0, 8)}`;
      const [dropped] = await prisma.$queryRaw<Array<{ at: Date }>>`
        SELECT now() AS at, pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${session}`;
      expect(dropped).toBeDefined();
      // Its lock went with the connection; its lease is renewed all the same, through the pool.
      await expect
        .poll(async () => (await prisma.execution.findUniqueOrThrow({ where: { id: executionId } })).heartbeatAt!.getTime(), { timeout: 60_000 })
        .toBeGreaterThan(dropped!.at.getTime());
      const [fromA, fromB] = await Promise.all([a.services.runner.recoverInterrupted(), b.services.runner.recoverInterrupted()]);
      expect([...fromA.requeued, ...fromB.requeued, ...fromA.closed, ...fromB.closed]).not.toContain(executionId);
      gated.release();
      await stream.completed;
      const stored = await getExecutionEvents(a.client('demo'), executionId);
      expect(stored.at(-1)!.eventType).toBe('execution-complete');
      expect(stored.filter((event) => event.eventType === 'progress' && event.eventData.message.startsWith('Resumed'))).toEqual([]);
      const row = await prisma.execution.findUniqueOrThrow({ where: { id: executionId } });
      expect(row).toMatchObject({ status: 'completed', attempts: 1, workerId: holder.services.runner.workerId });
    } finally {
      gated.release();
      await holder.stop();
    }
  });

  it('cancels a run on another process: the process that runs it hears at once and ends it with one recoverable error', async () => {
    const { gated, holder, heldAssistantId } = await holdingProcess('Held until cancelled');
    try {
      const { executionId } = await holder.client('demo').executions.execute.mutate({ assistantId: heldAssistantId, input: {} });
      const stream = collectExecutionEvents(b.client('demo'), { executionId });
      await stream.received(2);
      // Asked of B, which runs nothing of it: B tells the holder's worker through the database.
      const answer = await b.client('demo').executions.cancel.mutate({ executionId });
      expect(answer).toEqual({ executionId, cancelled: true, stoppedHere: false });
      await stream.completed;
      const stored = await getExecutionEvents(a.client('demo'), executionId);
      const terminal = stored.filter((event) => event.eventType === 'execution-complete' || event.eventType === 'execution-error');
      expect(terminal).toHaveLength(1);
      expect(terminal[0]!.eventData).toMatchObject({ error: 'Execution was cancelled by demo', recoverable: true });
      expect(ids(stream.events)).toEqual(ids(stored));
      expect((await a.client('demo').executions.get.query({ executionId })).status).toBe('failed');
    } finally {
      gated.release();
      await holder.stop();
    }
  });

  it('cuts a disabled account’s open streams on every process at once', async () => {
    const admin = a.client('admin');
    const person = await admin.users.create.mutate({ name: 'Roamer', email: 'roamer@example.test', password: 'roamer password' });
    const { cookie } = await signIn(b.url, person.email, 'roamer password');
    const { token } = await mutateWithCookie<{ token: string }>(b.url, cookie!, 'tokens.create', {
      name: 'roaming',
      scopes: ['executions:read', 'executions:write', 'assistants:read'],
    });
    const onB = createAaeClient({ baseUrl: b.url, token });
    // A run held mid-prompt on a third process: still streaming when the account is disabled on the first.
    const { gated, holder, heldAssistantId } = await holdingProcess('Held');
    try {
      const { executionId } = await createAaeClient({ baseUrl: holder.url, token }).executions.execute.mutate({ assistantId: heldAssistantId, input: {} });
      const stream = collectExecutionEvents(onB, { executionId });
      await stream.received(2);
      await admin.users.setDisabled.mutate({ userId: person.id, disabled: true });
      await expect(stream.completed).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' }, message: 'This account is disabled; ask an admin to enable it' });
      await expect(onB.users.me.query()).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    } finally {
      gated.release();
      await holder.stop();
    }
  });
});
