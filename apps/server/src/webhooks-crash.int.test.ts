import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAaeClient, getExecutionEvents } from '@aae/client';
import { createProjectTestDatabase, testDatabaseKind, type TestDatabase } from '@aae/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, killHard, startServer } from './testing/server-process.ts';
import { startWebhookReceiver, type WebhookReceiver } from './testing/webhook-receiver.ts';

describe('a server process killed with webhooks in flight', () => {
  let dataDir: string;
  let database: TestDatabase | null = null;
  let receiver: WebhookReceiver;
  let env: Record<string, string>;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    // A claim lapses after twice the attempt's timeout: short here, so the next process takes over soon.
    const webhooks = { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_TIMEOUT_MS: '4000' };
    if (testDatabaseKind() === 'postgres') {
      database = await createProjectTestDatabase();
      env = { DATABASE_URL: database.url!, ...webhooks };
    } else {
      dataDir = await mkdtemp(path.join(tmpdir(), 'aae-webhooks-crash-'));
      env = { DATA_DIR: dataDir, ...webhooks };
    }
  });
  afterAll(async () => {
    await receiver?.close();
    await database?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('delivers every event of the outbox after a restart, each message once after deduplication', { timeout: 240_000 }, async () => {
    // The receiver takes requests and never answers: the first process dies with deliveries in flight.
    receiver.answer('/crash', () => 'hang');
    const first = await startServer(env);
    const token = await adminToken(first.url, ['executions:read', 'executions:write', 'assistants:read', 'admin']);
    const client = createAaeClient({ baseUrl: first.url, token });
    const { endpoint, secret } = await client.webhooks.create.mutate({ url: `${receiver.url}/crash` });
    receiver.secret('/crash', secret);
    const [assistant] = (await client.assistants.list.query()).items;
    const { executionId } = await client.executions.execute.mutate({ assistantId: assistant!.id, input: { topic: 'lighthouses' } });
    await expect.poll(async () => (await getExecutionEvents(client, executionId)).at(-1)?.eventType, { timeout: 120_000 }).toBe('execution-complete');
    await expect.poll(() => receiver.received.length).toBeGreaterThan(0);
    await killHard(first);
    // Sent by the first process, each as often as it was (the hang outlasts an attempt's timeout, so a retry may have come too).
    const sentBefore = new Map<string, number>();
    for (const entry of receiver.received) sentBefore.set(entry.id, (sentBefore.get(entry.id) ?? 0) + 1);

    receiver.answer('/crash', () => 200);
    const second = await startServer(env);
    try {
      const again = createAaeClient({ baseUrl: second.url, token });
      const events = await getExecutionEvents(again, executionId);
      const expected = events.map((event) => `msg_${endpoint.id}_${event.eventData.eventId}`);
      // Exactly the outbox: one delivery per event, written with it.
      const log = await again.webhooks.deliveries.query({ endpointId: endpoint.id, limit: 100 });
      expect(log.items.map((line) => line.messageId).sort()).toEqual([...expected].sort());

      // Delivered: each answered by the receiver, those in flight at the crash once their claims lapsed.
      await expect
        .poll(async () => (await again.webhooks.deliveries.query({ endpointId: endpoint.id, limit: 100 })).items.every((line) => line.status === 'delivered'), {
          timeout: 60_000,
        })
        .toBe(true);
      expect(
        receiver
          .messages('/crash')
          .map((message) => message.id)
          .sort(),
      ).toEqual([...expected].sort());
      expect(receiver.received.every((entry) => entry.verified)).toBe(true);
      // At least once, and no more: each message came once from the second process, after whatever the first sent.
      const counts = new Map<string, number>();
      for (const entry of receiver.received) counts.set(entry.id, (counts.get(entry.id) ?? 0) + 1);
      for (const [id, count] of counts) expect(count, id).toBe((sentBefore.get(id) ?? 0) + 1);
      expect(receiver.received.filter((entry) => entry.answered === 200)).toHaveLength(expected.length);
    } finally {
      await killHard(second);
    }
  });
});
