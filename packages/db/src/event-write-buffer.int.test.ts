import { formatEventId, type StoredEvent } from '@aae/events';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventRecorder } from './event-recorder.ts';
import { createEventStore } from './event-store.ts';
import { EventWriteBuffer } from './event-write-buffer.ts';
import { createTestExecution } from './testing/test-execution.ts';
import { testPostgresUrl } from './testing/project-database.ts';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './testing/test-database.ts';

// A real outage needs a server whose connections can be cut; PGlite lives inside the process.
const onServer = testDatabaseKind() === 'postgres';

describe.skipIf(!onServer)('EventWriteBuffer through a PostgreSQL outage', () => {
  let db: TestDatabase;
  let admin: pg.Client;
  let executionId: number;

  beforeAll(async () => {
    db = await createTestDatabase('postgres', testPostgresUrl());
    admin = new pg.Client({ connectionString: testPostgresUrl() });
    await admin.connect();
    executionId = await createTestExecution(db.prisma, 'Outage');
  });
  afterAll(async () => {
    await admin?.end();
    await db?.close();
  });

  it('delays events while the database is unreachable and stores every one, once, in order, after it returns', async () => {
    const store = createEventStore(db.prisma);
    const committed: StoredEvent[] = [];
    const warnings: string[] = [];
    const buffer = new EventWriteBuffer({
      write: (batch) => store.insertEvents(batch),
      onCommitted: (batch) => committed.push(...batch),
      probe: () => db.prisma.$queryRaw`SELECT 1`,
      retryBaseMs: 20,
      retryMaxMs: 200,
      maxAttempts: 2,
      logger: { warn: (message: string) => warnings.push(message), error: console.error },
    });
    const recorder = createEventRecorder({ executionId, enqueue: (event) => buffer.enqueue(event) });
    const emitProgress = (step: number) =>
      recorder.emit({ eventType: 'progress', eventData: { currentStep: step, totalSteps: 100, percentage: step, message: `step ${step}` } });

    recorder.emit({ eventType: 'execution-start', eventData: { executionId, totalPrompts: 1, toolName: 'Outage' } });
    for (let step = 1; step <= 40; step++) emitProgress(step);
    await buffer.flush();

    const database = new URL(db.url!).pathname.slice(1);
    await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);

    for (let step = 41; step <= 100; step++) emitProgress(step);
    recorder.emit({ eventType: 'execution-complete', eventData: { executionId, totalTokens: 0, duration: 1, success: true } });
    const drained = buffer.flush();
    // It has tried, failed, found the database unreachable and said so: the outage is seen.
    await expect.poll(() => warnings.some((line) => line.includes('database unreachable')), { timeout: 60_000 }).toBe(true);
    // Still down: nothing after the cut is committed, nothing was given up on.
    expect(committed).toHaveLength(41);
    expect(buffer.getStats()).toMatchObject({ failed: 0 });
    await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
    await drained;

    const stored = await store.getExecutionEvents(executionId);
    expect(stored.map((event) => event.sequence)).toEqual(Array.from({ length: 102 }, (_, index) => index + 1));
    expect(stored.map((event) => event.eventData.eventId)).toEqual(stored.map((event) => formatEventId(executionId, event.sequence)));
    expect(committed.map((event) => event.sequence)).toEqual(stored.map((event) => event.sequence));
    expect(buffer.getStats()).toMatchObject({ failed: 0, written: 102 });
    expect(buffer.getStats().retries).toBeGreaterThan(0);
    expect(warnings.some((line) => line.includes('database unreachable'))).toBe(true);
  });
});
