import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAaeClient, getExecutionEvents } from '@aae/client';
import { closeOrphanedExecutions, ORPHAN_ERROR } from '@aae/db';
import { createProjectTestDatabase, testDatabaseKind, type TestDatabase } from '@aae/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, killHard, startServer } from './testing/server-process.ts';
import { collectExecutionEvents } from './testing/subscription.ts';
import { startTestApp } from './testing/test-app.ts';

describe('a server process killed mid-run', () => {
  let dataDir: string;
  let database: TestDatabase | null = null;
  let env: Record<string, string>;

  beforeAll(async () => {
    if (testDatabaseKind() === 'postgres') {
      database = await createProjectTestDatabase();
      env = { DATABASE_URL: database.url!, EXECUTION_LEASE_STALE_MS: '1000', EXECUTION_HEARTBEAT_MS: '200' };
    } else {
      dataDir = await mkdtemp(path.join(tmpdir(), 'aae-crash-'));
      env = { DATA_DIR: dataDir };
    }
  });
  afterAll(async () => {
    await database?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  // Two real server processes start one after the other: on a loaded machine each may take many seconds.
  it('leaves an execution that the next start resumes from its last completed prompt; its watcher sees one stream to the end', {
    timeout: 180_000,
  }, async () => {
    const first = await startServer(env);
    const token = await adminToken(first.url);
    const client = createAaeClient({ baseUrl: first.url, token });
    const [assistant] = (await client.assistants.list.query()).items;
    const { executionId } = await client.executions.execute.mutate({ assistantId: assistant!.id, input: { topic: 'volcanoes' } });
    const before = collectExecutionEvents(client, { executionId });
    await before.received(3);
    before.unsubscribe();
    await killHard(first);

    const second = await startServer(env);
    try {
      const again = createAaeClient({ baseUrl: second.url, token });
      const watcher = collectExecutionEvents(again, { executionId, lastEventId: before.events.at(-1)!.eventData.eventId });
      await watcher.completed;
      const stored = await getExecutionEvents(again, executionId);
      const terminal = stored.filter((event) => event.eventType === 'execution-error' || event.eventType === 'execution-complete');
      expect(terminal).toHaveLength(1);
      expect(terminal[0]!.eventType).toBe('execution-complete');
      expect(stored.at(-1)).toEqual(terminal[0]);
      expect(stored.filter((event) => event.eventType === 'execution-start')).toHaveLength(1);
      // The resumed run says so, after what the first process stored.
      const resumed = stored.filter((event) => event.eventType === 'progress' && event.eventData.message.startsWith('Resumed'));
      expect(resumed).toHaveLength(1);
      // Nothing seen before the crash is missing, nothing is repeated, the sequence has no gap.
      expect([...before.events, ...watcher.events].map((event) => event.sequence)).toEqual(stored.map((event) => event.sequence));
      expect(stored.map((event) => event.sequence)).toEqual(stored.map((_, index) => index + 1));
      const execution = await again.executions.get.query({ executionId });
      expect(execution.status).toBe('completed');
      expect(execution.promptResults).toHaveLength(3);
    } finally {
      await killHard(second);
    }
  });
});

describe('a server process cut off from the database past its lease', () => {
  it('has its execution closed by another process, and nothing it sends afterwards is stored', async () => {
    // The app logs through console.error: catch what it says before it starts.
    const errors: unknown[][] = [];
    const consoleError = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    const app = await startTestApp({ chunkDelayMs: 30 });
    try {
      const client = app.client('demo');
      const [assistant] = (await client.assistants.list.query()).items;
      const { executionId } = await client.executions.execute.mutate({ assistantId: assistant!.id, input: { topic: 'partitions' } });
      const watcher = collectExecutionEvents(client, { executionId });
      await watcher.received(3);
      // Its lease looks expired to another process, which closes it (this process never learns).
      await app.services.database.prisma.execution.update({ where: { id: executionId }, data: { heartbeatAt: new Date(Date.now() - 120_000) } });
      const closedBy = await closeOrphanedExecutions(app.services.database.prisma, { staleAfterMs: 60_000 });
      app.services.bus.publish(closedBy);
      await watcher.completed;
      // This process finishes the run as if nothing happened.
      await app.services.runner.waitFor(executionId);
      await app.services.buffer.flush();

      const stored = await getExecutionEvents(client, executionId);
      const terminal = stored.filter((event) => event.eventType === 'execution-complete' || event.eventType === 'execution-error');
      expect(terminal).toHaveLength(1);
      expect(stored.at(-1)!.eventData).toMatchObject({ error: ORPHAN_ERROR, recoverable: true });
      expect(stored.map((event) => event.sequence)).toEqual(stored.map((_, index) => index + 1));
      expect(watcher.events.at(-1)!.eventType).toBe('execution-error');
      // The worker learnt it lost the execution (its lease renewal said so, or the store refused an event).
      const refused = errors.some((args) => String(args[0]).includes('was closed as interrupted by another server process'));
      expect(refused || app.services.runner.getStats().lost > 0).toBe(true);
      expect((await app.client('demo').executions.get.query({ executionId })).status).toBe('failed');
    } finally {
      console.error = consoleError;
      await app.stop();
    }
  });
});
