import { getExecutionEvents } from '@aae/client';
import { createEventRecorder, createEventStore, type ClaimedExecution, type PendingEvent } from '@aae/db';
import type { StoredEvent } from '@aae/events';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { collectExecutionEvents } from './testing/subscription.ts';
import { startTestApp, type TestApp, type TestPerson } from './testing/test-app.ts';

const isTerminal = (event: StoredEvent) => event.eventType === 'execution-complete' || event.eventType === 'execution-error';

/** The span of a run as its stored events tell it: from its `execution-start` to its terminal event. */
function runSpan(events: StoredEvent[]): { start: number; end: number } {
  const start = events.find((event) => event.eventType === 'execution-start');
  const end = events.find(isTerminal);
  if (!start || !end) throw new Error(`a run without a start or an end: ${events.map((event) => event.eventType).join(', ')}`);
  return { start: start.createdAt.getTime(), end: end.createdAt.getTime() };
}

/** The most spans open at one moment (an end at the same millisecond as a start does not overlap it). */
function mostAtOnce(spans: Array<{ start: number; end: number }>): number {
  const edges = spans.flatMap((span) => [
    { at: span.start, delta: 1 },
    { at: span.end, delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let open = 0;
  let most = 0;
  for (const edge of edges) {
    open += edge.delta;
    most = Math.max(most, open);
  }
  return most;
}

// One server process whose worker runs two executions at once; the queue holds the rest.
describe('the execution queue of one worker', () => {
  let app: TestApp;
  let assistantId: number;
  /** Every claim of the worker, in order: what it took, and how many it then ran at once. */
  const claims: Array<{ ids: number[]; userIds: number[]; runningAfter: number }> = [];
  /** How many the worker ran as each run ended (the run ending included). */
  const runningWhenFinished: number[] = [];

  beforeAll(async () => {
    // startTestApp turns the usage limits off: ten starts in a second, by one person, are not refused.
    app = await startTestApp({ chunkDelayMs: 15, services: { runner: { concurrency: 2 } } });
    const { queue, runner } = app.services;
    const claim = queue.claim.bind(queue);
    queue.claim = async (workerId: string, limit: number): Promise<ClaimedExecution[]> => {
      const claimed = await claim(workerId, limit);
      // The runner launches what it claimed right after this returns: these are about to run besides those running.
      if (claimed.length > 0) {
        claims.push({ ids: claimed.map((row) => row.id), userIds: claimed.map((row) => row.userId), runningAfter: runner.getStats().running + claimed.length });
      }
      return claimed;
    };
    runner.onFinished(() => runningWhenFinished.push(runner.getStats().running + 1));
    const assistant = await app.client('admin').assistants.create.mutate({
      name: 'Queued',
      visibility: 'shared',
      inputVariables: [{ name: 'topic', label: 'Topic', type: 'text', required: true }],
      prompts: [{ name: 'Brief', position: 1, modelId: 'local', content: 'Write a short brief about {{topic}} and why {{topic}} matters to coastal towns.' }],
    });
    assistantId = assistant.id;
  });
  afterAll(async () => {
    await app?.stop();
  });

  /** Queues executions while the worker claims nothing, then lets it go: the whole batch waits in the queue at once. */
  async function queueWhilePaused(starts: Array<{ person: TestPerson; topic: string }>): Promise<number[]> {
    app.services.runner.pause();
    const ids: number[] = [];
    try {
      for (const start of starts) {
        const { executionId } = await app.client(start.person).executions.execute.mutate({ assistantId, input: { topic: start.topic } });
        ids.push(executionId);
      }
      // Nothing ran meanwhile: all of them wait.
      const rows = await app.services.database.prisma.execution.findMany({ where: { id: { in: ids } }, select: { status: true } });
      expect(rows.map((row) => row.status)).toEqual(ids.map(() => 'pending'));
    } finally {
      claims.length = 0;
      runningWhenFinished.length = 0;
      app.services.runner.resume();
    }
    return ids;
  }

  it('runs ten queued executions, never more than its concurrency at once, two at a time, oldest first', async ({ annotate }) => {
    const ids = await queueWhilePaused(Array.from({ length: 10 }, (_, index) => ({ person: 'demo' as const, topic: `tide pools ${index}` })));
    const watchers = ids.map((executionId) => collectExecutionEvents(app.client('demo'), { executionId }));
    await Promise.all(watchers.map((watcher) => watcher.completed));

    const stored = await Promise.all(ids.map((executionId) => getExecutionEvents(app.client('demo'), executionId)));
    for (const events of stored) {
      expect(events.filter(isTerminal).map((event) => event.eventType)).toEqual(['execution-complete']);
      expect(events.filter((event) => event.eventType === 'execution-start')).toHaveLength(1);
    }
    const rows = await app.services.database.prisma.execution.findMany({ where: { id: { in: ids } }, orderBy: { id: 'asc' } });
    expect(rows.map((row) => row.status)).toEqual(ids.map(() => 'completed'));
    expect(rows.map((row) => row.attempts)).toEqual(ids.map(() => 1));

    // Claimed oldest first: the worker took them in the order they were queued, and the first claim took two at once.
    expect(claims.flatMap((claim) => claim.ids)).toEqual(ids);
    expect(claims[0]!.ids).toEqual(ids.slice(0, 2));
    // Each run's stored start comes no earlier than that of the run queued two places before it (two slots).
    const spans = stored.map(runSpan);
    for (let index = 2; index < spans.length; index++) expect(spans[index]!.start).toBeGreaterThanOrEqual(spans[index - 2]!.start);

    // Never more than two at once, and two did run at once: by the worker's count at every claim and
    // end, and by the stored events' times.
    const sampled = [...claims.map((claim) => claim.runningAfter), ...runningWhenFinished];
    expect(Math.max(...sampled)).toBe(2);
    const overlap = mostAtOnce(spans);
    expect(overlap).toBe(2);
    await annotate(
      `claims ${claims.map((claim) => `[${claim.ids.join(',')}]`).join(' ')}; most running at a claim ${Math.max(...claims.map((claim) => claim.runningAfter))}; most overlapping stored runs ${overlap}`,
    );
  });

  it('takes turns between people: a run queued after another person’s backlog starts before that backlog is drained', async ({ annotate }) => {
    const backlog = Array.from({ length: 6 }, (_, index) => ({ person: 'demo' as const, topic: `estuaries ${index}` }));
    const late = Array.from({ length: 2 }, (_, index) => ({ person: 'other' as const, topic: `salt marshes ${index}` }));
    const ids = await queueWhilePaused([...backlog, ...late]);
    const demoIds = ids.slice(0, backlog.length);
    const otherIds = ids.slice(backlog.length);
    await Promise.all(ids.map((executionId) => app.services.runner.waitFor(executionId)));

    const order = claims.flatMap((claim) => claim.ids);
    expect([...order].sort((a, b) => a - b)).toEqual(ids);
    // Oldest first alone would run the other person's first after all six: taking turns, it runs in the first claim, beside the oldest.
    expect(claims[0]!.ids).toEqual([demoIds[0], otherIds[0]]);
    // And the other person's last run started before the backlog's last did.
    expect(order.indexOf(otherIds[1]!)).toBeLessThan(order.indexOf(demoIds.at(-1)!));
    const spans = await Promise.all(ids.map(async (executionId) => runSpan(await getExecutionEvents(app.client('admin'), executionId))));
    const startOf = (executionId: number) => spans[ids.indexOf(executionId)]!.start;
    expect(startOf(otherIds[0]!)).toBeLessThan(startOf(demoIds[1]!));
    expect(startOf(otherIds[1]!)).toBeLessThan(startOf(demoIds.at(-1)!));
    // Each person's own runs still went oldest first.
    expect(order.filter((id) => demoIds.includes(id))).toEqual(demoIds);
    expect(order.filter((id) => otherIds.includes(id))).toEqual(otherIds);
    await annotate(`claim order ${order.map((id) => (otherIds.includes(id) ? `other#${id}` : `demo#${id}`)).join(' ')}`);
  });

  it('cancels a queued execution at once, with one recoverable execution-error, and never runs it', async () => {
    const { runner } = app.services;
    runner.pause();
    onTestFinished(() => runner.resume());
    const { executionId } = await app.client('demo').executions.execute.mutate({ assistantId, input: { topic: 'sea walls' } });
    const watcher = collectExecutionEvents(app.client('demo'), { executionId });
    const claimedBefore = runner.getStats().claimed;

    const cancelled = await app.client('demo').executions.cancel.mutate({ executionId });
    // Closed here and now, not at a worker's next heartbeat: no worker has it.
    expect(cancelled).toEqual({ executionId, cancelled: true, stoppedHere: true });
    await watcher.completed;
    expect(watcher.events.map((event) => event.eventType)).toEqual(['execution-error']);
    expect(watcher.events[0]!.eventData).toMatchObject({ executionId, error: 'Execution was cancelled by demo', recoverable: true });
    expect(watcher.events[0]!.eventData).not.toHaveProperty('promptId');
    const execution = await app.client('demo').executions.get.query({ executionId });
    expect(execution.status).toBe('failed');

    // The worker goes on, and leaves it alone: the next queued execution runs and completes; the cancelled one does not.
    runner.resume();
    const { executionId: next } = await app.client('demo').executions.execute.mutate({ assistantId, input: { topic: 'dunes' } });
    await runner.waitFor(next);
    expect((await getExecutionEvents(app.client('demo'), next)).at(-1)!.eventType).toBe('execution-complete');
    expect(runner.getStats().claimed).toBe(claimedBefore + 1);
    const stored = await getExecutionEvents(app.client('demo'), executionId);
    expect(stored.map((event) => event.eventType)).toEqual(['execution-error']);
    expect(stored.map((event) => event.sequence)).toEqual([1]);
    const row = await app.services.database.prisma.execution.findUniqueOrThrow({ where: { id: executionId } });
    expect(row).toMatchObject({ status: 'failed', attempts: 0, workerId: null });
    expect(await app.services.database.prisma.promptResult.count({ where: { executionId } })).toBe(0);
    // A second cancel finds it finished.
    await expect(app.client('demo').executions.cancel.mutate({ executionId })).rejects.toMatchObject({ data: { code: 'CONFLICT' } });
  });

  it('settles an execution whose worker stored its terminal event and died before recording how it ended: the event says how', async () => {
    const { prisma } = app.services.database;
    const row = await prisma.execution.create({
      data: {
        assistantId,
        assistantVersion: 1,
        userId: app.people.demo.id,
        status: 'running',
        workerId: 'gone',
        attempts: 1,
        claims: 1,
        startedAt: new Date(),
        heartbeatAt: new Date(Date.now() - 120_000),
      },
    });
    const pending: PendingEvent[] = [];
    const recorder = createEventRecorder({ executionId: row.id, enqueue: (event) => pending.push(event) });
    recorder.emit({ eventType: 'execution-start', eventData: { executionId: row.id, totalPrompts: 1, toolName: 'Queued' } });
    recorder.emit({ eventType: 'execution-complete', eventData: { executionId: row.id, totalTokens: 42, duration: 900, success: true } });
    await createEventStore(prisma).insertEvents(pending);
    // This worker's own sweep may get there first; either way it ends settled, not resumed nor closed.
    const recovered = await app.services.runner.recoverInterrupted(0);
    expect(recovered.requeued).not.toContain(row.id);
    expect(recovered.closed).not.toContain(row.id);
    const settled = await prisma.execution.findUniqueOrThrow({ where: { id: row.id } });
    expect(settled).toMatchObject({ status: 'completed', totalTokens: 42, error: null });
    expect((await getExecutionEvents(app.client('demo'), row.id)).map((event) => event.eventType)).toEqual(['execution-start', 'execution-complete']);
  });
});
