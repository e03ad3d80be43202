import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProjectTestDatabase } from '../testing/project-database.ts';
import { createTestExecution } from '../testing/test-execution.ts';
import type { TestDatabase } from '../testing/test-database.ts';
import { createRetentionStore } from './retention.ts';
import { createWebhookStore, type ClaimedWebhookDelivery, type WebhookStore } from './webhooks.ts';

let db: TestDatabase;
let store: WebhookStore;
let adminId: number;
let endpointId: number;

const failed = { statusCode: 500, latencyMs: 12, error: null };
const delivered = { statusCode: 200, latencyMs: 9, error: null };
const rule = { failures: 100, afterMs: 0 };

beforeAll(async () => {
  db = await createProjectTestDatabase();
  store = createWebhookStore(db.prisma);
  adminId = (await db.prisma.user.create({ data: { name: 'admin', email: 'admin@example.test', role: 'admin' }, select: { id: true } })).id;
});
afterAll(() => db?.close());

beforeEach(async () => {
  await db.prisma.webhookEndpoint.deleteMany();
  const endpoint = await store.create({
    url: 'http://127.0.0.1:9/hook',
    secret: 'whsec_dGVzdHNlY3JldHRlc3RzZWNyZXR0ZXN0c2VjcmV0',
    description: '',
    eventTypes: [],
    assistantId: null,
    enabled: true,
    createdById: adminId,
  });
  endpointId = endpoint.id;
});

/** Claims the one due delivery with a claim that lapses at once, as a worker whose claim ran out. */
async function claimLapsed(): Promise<ClaimedWebhookDelivery> {
  const [claim] = await store.claimDue(1, 0);
  if (!claim) throw new Error('nothing was due');
  return claim;
}

const row = async (id: string) => db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: BigInt(id) } });

describe('an attempt whose claim lapsed', () => {
  it('records nothing once another attempt took the delivery: that one decides', async () => {
    const queued = await store.enqueue(endpointId, { messageId: 'msg_fence', eventType: 'test', payload: '{}' });
    const stale = await claimLapsed();
    const current = await claimLapsed();
    expect([stale.attempts, current.attempts]).toEqual([1, 2]);

    await store.recordDelivered(current, delivered);
    // The first attempt ends late and failed: the delivered message is not made pending again.
    expect(await store.recordFailed(stale, failed, 5_000, rule)).toEqual({ disabledReason: null });
    expect(await store.recordDelivered(stale, delivered)).toBe(false);
    expect(await row(queued.id)).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 200 });
    expect((await store.attempts(queued.id)).map((attempt) => attempt.attempt)).toEqual([2]);
    // Nor does it count against the endpoint.
    expect((await store.endpoint(endpointId)).consecutiveFailures).toBe(0);
  });

  it('gives a delivery back on shutdown with its attempt uncounted, unless another attempt holds it', async () => {
    const queued = await store.enqueue(endpointId, { messageId: 'msg_release', eventType: 'test', payload: '{}' });
    const claim = await claimLapsed();
    await store.release(claim);
    expect(await row(queued.id)).toMatchObject({ status: 'pending', attempts: 0 });

    const stale = await claimLapsed();
    await claimLapsed();
    await store.release(stale);
    expect(await row(queued.id)).toMatchObject({ attempts: 2 });
  });

  it('is not made due again by re-enabling the endpoint while it is in flight', async () => {
    const waiting = await store.enqueue(endpointId, { messageId: 'msg_waiting', eventType: 'test', payload: '{}' });
    const inFlight = await store.enqueue(endpointId, { messageId: 'msg_in_flight', eventType: 'test', payload: '{}' });
    // One attempt ended (due in an hour), one is under a claim for an hour.
    const [first] = await store.claimDue(1, 3_600_000);
    await store.recordFailed(first!, failed, 3_600_000, rule);
    const [second] = await store.claimDue(1, 3_600_000);
    expect([first!.id, second!.id]).toEqual([waiting.id, inFlight.id]);
    await store.update(endpointId, { enabled: false });
    await store.update(endpointId, { enabled: true });
    const now = Date.now();
    expect((await row(waiting.id)).nextAttemptAt.getTime()).toBeLessThanOrEqual(now + 1_000);
    expect((await row(inFlight.id)).nextAttemptAt.getTime()).toBeGreaterThan(now + 3_000_000);
  });
});

describe('the delivery log', () => {
  it('loses an execution’s deliveries when retention deletes the execution, and nothing else', async () => {
    const kept = await createTestExecution(db.prisma, 'Kept');
    const expired = await createTestExecution(db.prisma, 'Expired');
    for (const executionId of [kept, expired]) {
      // The outbox trigger writes one delivery per event and enabled endpoint.
      await db.prisma.$executeRaw`
        INSERT INTO assistant_architect_events (execution_id, sequence, event_type, event_data)
        VALUES (${executionId}, 1, 'execution-start', ${JSON.stringify({ eventId: `evt_${executionId}`, executionId, totalPrompts: 1, assistantName: 'x' })}::jsonb)`;
    }
    const test = await store.enqueue(endpointId, { messageId: 'msg_test', eventType: 'test', payload: '{}' });
    await db.prisma.$executeRaw`UPDATE executions SET status = 'completed', finished_at = now() - interval '10 days' WHERE id = ${expired}`;
    await db.prisma.$executeRaw`UPDATE executions SET status = 'completed', finished_at = now() WHERE id = ${kept}`;
    await createRetentionStore(db.prisma).set({ assistantId: null, keepDays: 1, updatedById: adminId });

    expect(await db.prisma.webhookDelivery.count({ where: { executionId: { in: [kept, expired] } } })).toBe(2);
    expect((await createRetentionStore(db.prisma).sweep()).executions).toBe(1);
    const left = await db.prisma.webhookDelivery.findMany({ select: { executionId: true, messageId: true }, orderBy: { id: 'asc' } });
    expect(left).toEqual([
      { executionId: kept, messageId: `msg_${endpointId}_evt_${kept}` },
      { executionId: null, messageId: test.messageId },
    ]);
    await createRetentionStore(db.prisma).remove({ assistantId: null });
  });

  it('prunes finished deliveries older than it keeps, never waiting ones', async () => {
    const old = await store.enqueue(endpointId, { messageId: 'msg_old', eventType: 'test', payload: '{}' });
    const recent = await store.enqueue(endpointId, { messageId: 'msg_recent', eventType: 'test', payload: '{}' });
    const waiting = await store.enqueue(endpointId, { messageId: 'msg_waiting_old', eventType: 'test', payload: '{}' });
    await db.prisma.$executeRaw`UPDATE webhook_deliveries SET status = 'delivered' WHERE id IN (${BigInt(old.id)}, ${BigInt(recent.id)})`;
    await db.prisma.$executeRaw`UPDATE webhook_deliveries SET created_at = now() - interval '40 days' WHERE id IN (${BigInt(old.id)}, ${BigInt(waiting.id)})`;

    expect(await store.pruneLog(new Date(Date.now() - 30 * 24 * 3_600_000), 1_000)).toBe(1);
    const left = await db.prisma.webhookDelivery.findMany({ select: { messageId: true }, orderBy: { id: 'asc' } });
    expect(left.map((delivery) => delivery.messageId)).toEqual(['msg_recent', 'msg_waiting_old']);
  });
});
