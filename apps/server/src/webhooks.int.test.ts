import { getExecutionEvents } from '@aae/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './testing/test-app.ts';
import { startWebhookReceiver, type WebhookReceiver } from './testing/webhook-receiver.ts';

/** Retries a few milliseconds apart rather than Svix's 5 s and more: the schedule's shape is unit-tested. */
const RETRIES_MS = [0, 20, 20, 20];

describe('signed webhooks', () => {
  let app: TestApp;
  let receiver: WebhookReceiver;
  let assistantA: number;
  let assistantB: number;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    app = await startTestApp({
      services: {
        webhooks: {
          // The receiver's address only: any other private destination is refused as in production.
          destinations: { allowedHosts: ['127.0.0.1'] },
          retryScheduleMs: RETRIES_MS,
          disableAfter: { failures: 3, afterMs: 0 },
          pollMs: 50,
        },
      },
    });
    const create = (name: string) =>
      app.client('admin').assistants.create.mutate({
        name,
        visibility: 'shared',
        inputVariables: [],
        prompts: [{ name: 'Brief', position: 1, modelId: 'local', content: `Write two sentences about ${name}.` }],
      });
    assistantA = (await create('Webhook A')).id;
    assistantB = (await create('Webhook B')).id;
  });
  afterAll(async () => {
    await app?.stop();
    await receiver?.close();
  });

  /** Registers an endpoint at a receiver path and tells the receiver its secret. */
  async function register(path: string, options: { eventTypes?: string[]; assistantId?: number } = {}) {
    const { endpoint, secret } = await app.client('admin').webhooks.create.mutate({
      url: `${receiver.url}${path}`,
      description: path,
      eventTypes: options.eventTypes as never,
      assistantId: options.assistantId,
    });
    receiver.secret(path, secret);
    return endpoint;
  }

  async function runToEnd(assistantId: number): Promise<number> {
    const admin = app.client('admin');
    const { executionId } = await admin.executions.execute.mutate({ assistantId, input: {} });
    await expect.poll(async () => (await getExecutionEvents(admin, executionId)).at(-1)?.eventType).toBe('execution-complete');
    return executionId;
  }

  it('sends every event of an execution, signed, shaped { type, timestamp, data }', async () => {
    const endpoint = await register('/all');
    expect(endpoint).toMatchObject({ enabled: true, eventTypes: [] });
    const executionId = await runToEnd(assistantA);
    const events = await getExecutionEvents(app.client('admin'), executionId);

    await expect.poll(() => receiver.messages('/all').length).toBe(events.length);
    const messages = receiver.messages('/all');
    expect(receiver.received.filter((entry) => entry.path === '/all').every((entry) => entry.verified)).toBe(true);
    expect(messages.map((message) => message.payload?.type)).toEqual(events.map((event) => event.eventType));
    for (const [index, message] of messages.entries()) {
      const event = events[index]!;
      expect(message.payload).toEqual({
        type: event.eventType,
        timestamp: event.eventData.timestamp,
        data: { executionId, assistantId: assistantA, ...event.eventData },
      });
      expect(message.id).toBe(`msg_${endpoint.id}_${event.eventData.eventId}`);
    }
    // The receiver has answered the last one; its outcome is recorded just after.
    const log = async () => (await app.client('admin').webhooks.deliveries.query({ endpointId: endpoint.id, limit: 100 })).items;
    await expect.poll(async () => (await log()).every((line) => line.status === 'delivered')).toBe(true);
    const lines = await log();
    expect(lines).toHaveLength(events.length);
    expect(lines.every((line) => line.lastStatusCode === 200 && line.attempts === 1 && line.lastLatencyMs !== null)).toBe(true);
    await app.client('admin').webhooks.delete.mutate({ endpointId: endpoint.id });
  });

  it('sends an endpoint only the event types and the assistant it asked for', async () => {
    const completions = await register('/a-complete', { eventTypes: ['execution-complete'], assistantId: assistantA });
    const onlyB = await register('/b-only', { assistantId: assistantB });
    const executionId = await runToEnd(assistantA);

    await expect.poll(() => receiver.messages('/a-complete').length).toBe(1);
    expect(receiver.messages('/a-complete')[0]?.payload).toMatchObject({ type: 'execution-complete', data: { executionId, assistantId: assistantA } });
    // Deliveries are written with the events, in their transaction: none for B's endpoint means none will come.
    expect((await app.client('admin').webhooks.deliveries.query({ endpointId: onlyB.id })).items).toEqual([]);
    await expect
      .poll(async () => (await app.client('admin').webhooks.list.query()).find((row) => row.id === completions.id))
      .toMatchObject({ deliveries: { delivered: 1, pending: 0, failed: 0 }, assistantName: 'Webhook A' });
    for (const endpoint of [completions, onlyB]) await app.client('admin').webhooks.delete.mutate({ endpointId: endpoint.id });
  });

  it('retries a message its receiver refused, with the same webhook-id, until it is taken', async () => {
    const endpoint = await register('/flaky');
    receiver.answer('/flaky', ({ seen }) => (seen === 1 ? 500 : 200));
    const before = app.services.webhooks.job.getStats();
    const sent = await app.client('admin').webhooks.sendTest.mutate({ endpointId: endpoint.id });

    await expect.poll(async () => (await app.services.webhooks.store.delivery(sent.id)).status).toBe('delivered');
    const attempts = receiver.received.filter((entry) => entry.path === '/flaky');
    expect(attempts.map((entry) => [entry.id, entry.answered, entry.verified])).toEqual([
      [sent.messageId, 500, true],
      [sent.messageId, 200, true],
    ]);
    expect(attempts[0]?.payload).toMatchObject({ type: 'webhook-test', data: { endpointId: endpoint.id } });
    expect(await app.services.webhooks.store.delivery(sent.id)).toMatchObject({ attempts: 2, lastStatusCode: 200, lastError: null });
    const tried = await app.client('admin').webhooks.attempts.query({ deliveryId: sent.id });
    expect(tried.map(({ attempt, statusCode, error }) => ({ attempt, statusCode, error }))).toEqual([
      { attempt: 1, statusCode: 500, error: null },
      { attempt: 2, statusCode: 200, error: null },
    ]);
    const after = app.services.webhooks.job.getStats();
    expect(after.attempts - before.attempts).toBe(2);
    expect(after.failed - before.failed).toBe(1);
    expect(after.retriesScheduled - before.retriesScheduled).toBe(1);
    expect(after.delivered - before.delivered).toBe(1);
    await app.client('admin').webhooks.delete.mutate({ endpointId: endpoint.id });
  });

  it('disables an endpoint that keeps failing, says why, and resumes its deliveries when re-enabled', async () => {
    const endpoint = await register('/down');
    receiver.answer('/down', () => 503);
    const sent = await app.client('admin').webhooks.sendTest.mutate({ endpointId: endpoint.id });

    await expect.poll(async () => (await app.client('admin').webhooks.list.query()).find((row) => row.id === endpoint.id)?.enabled).toBe(false);
    const disabled = (await app.client('admin').webhooks.list.query()).find((row) => row.id === endpoint.id)!;
    expect(disabled.disabledReason).toBe('Disabled after 3 failed attempts in a row (last: HTTP 503)');
    expect(disabled.consecutiveFailures).toBe(3);
    // The schedule had a fourth attempt left: it waits for the endpoint to come back.
    expect(await app.services.webhooks.store.delivery(sent.id)).toMatchObject({ status: 'pending', attempts: 3, lastStatusCode: 503 });
    const audit = await app.client('admin').audit.list.query({ action: 'webhook-disabled', limit: 1 });
    expect(audit.items[0]).toMatchObject({ subject: `${receiver.url}/down`, details: { endpointId: endpoint.id } });

    receiver.answer('/down', () => 200);
    const enabled = await app.client('admin').webhooks.update.mutate({ endpointId: endpoint.id, enabled: true });
    expect(enabled).toMatchObject({ enabled: true, disabledReason: null, consecutiveFailures: 0 });
    await expect.poll(async () => (await app.services.webhooks.store.delivery(sent.id)).status).toBe('delivered');
    expect(receiver.received.filter((entry) => entry.path === '/down').map((entry) => entry.answered)).toEqual([503, 503, 503, 200]);
    await app.client('admin').webhooks.delete.mutate({ endpointId: endpoint.id });
  });

  it('fails a delivery for good when its schedule is spent', async () => {
    const endpoint = await register('/gone');
    receiver.answer('/gone', () => 410);
    // Three failures disable it before the schedule is spent: enabled again, its last attempt follows.
    const sent = await app.client('admin').webhooks.sendTest.mutate({ endpointId: endpoint.id });
    await expect.poll(async () => (await app.services.webhooks.store.endpoint(endpoint.id)).enabled).toBe(false);
    await app.client('admin').webhooks.update.mutate({ endpointId: endpoint.id, enabled: true });
    await expect.poll(async () => (await app.services.webhooks.store.delivery(sent.id)).status).toBe('failed');
    expect(await app.services.webhooks.store.delivery(sent.id)).toMatchObject({ attempts: RETRIES_MS.length, lastStatusCode: 410, nextAttemptAt: null });
    await app.client('admin').webhooks.delete.mutate({ endpointId: endpoint.id });
  });

  it('sends a delivery again from the log, as the same message', async () => {
    const endpoint = await register('/resend');
    const sent = await app.client('admin').webhooks.sendTest.mutate({ endpointId: endpoint.id });
    await expect.poll(async () => (await app.services.webhooks.store.delivery(sent.id)).status).toBe('delivered');

    const again = await app.client('admin').webhooks.resend.mutate({ deliveryId: sent.id });
    expect(again).toMatchObject({ messageId: sent.messageId, resentFromId: sent.id, status: 'pending', attempts: 0 });
    expect(again.id).not.toBe(sent.id);
    await expect.poll(() => receiver.received.filter((entry) => entry.path === '/resend').length).toBe(2);
    const [first, second] = receiver.received.filter((entry) => entry.path === '/resend');
    expect(second).toMatchObject({ id: first!.id, body: first!.body, verified: true });
    // A receiver deduplicating by webhook-id processes it once.
    expect(receiver.messages('/resend')).toHaveLength(1);
    await expect
      .poll(async () => (await app.client('admin').webhooks.deliveries.query({ endpointId: endpoint.id })).items.map((line) => [line.id, line.status]))
      .toEqual([
        [again.id, 'delivered'],
        [sent.id, 'delivered'],
      ]);
    const firstPage = await app.client('admin').webhooks.deliveries.query({ endpointId: endpoint.id, limit: 1 });
    expect(firstPage).toMatchObject({ items: [{ id: again.id }], nextBefore: again.id });
    const secondPage = await app.client('admin').webhooks.deliveries.query({ endpointId: endpoint.id, limit: 1, before: firstPage.nextBefore! });
    expect(secondPage).toMatchObject({ items: [{ id: sent.id }], nextBefore: null });
    await app.client('admin').webhooks.delete.mutate({ endpointId: endpoint.id });
  });

  it('refuses private destinations, bad input and other people, with errors that say what is wrong', async () => {
    const admin = app.client('admin');
    await expect(admin.webhooks.create.mutate({ url: 'http://192.168.1.10/hook' })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
      message: expect.stringMatching(/192\.168\.1\.10.*private.*WEBHOOK_ALLOW_PRIVATE/),
    });
    await expect(admin.webhooks.create.mutate({ url: `http://localhost:${new URL(receiver.url).port}/hook` })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
      message: expect.stringContaining('localhost is'),
    });
    const kept = await register('/kept');
    await expect(admin.webhooks.update.mutate({ endpointId: kept.id, url: 'http://169.254.169.254/latest/meta-data' })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
      message: expect.stringContaining('169.254.169.254'),
    });
    expect((await admin.webhooks.list.query()).map((row) => row.url)).toEqual([`${receiver.url}/kept`]);
    await admin.webhooks.delete.mutate({ endpointId: kept.id });
    await expect(admin.webhooks.update.mutate({ endpointId: 999_999, enabled: true })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
    await expect(admin.webhooks.create.mutate({ url: 'ftp://example.com/hook' })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
      message: expect.stringContaining('must be http:// or https://'),
    });
    await expect(admin.webhooks.create.mutate({ url: `${receiver.url}/x`, eventTypes: ['execution-finished' as never] })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
      message: expect.stringContaining('eventTypes'),
    });
    await expect(admin.webhooks.create.mutate({ url: `${receiver.url}/x`, assistantId: 999_999 })).rejects.toMatchObject({
      data: { code: 'NOT_FOUND' },
      message: expect.stringContaining('assistant 999999'),
    });
    await expect(admin.webhooks.deliveries.query({ endpointId: 999_999 })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
    await expect(admin.webhooks.resend.mutate({ deliveryId: '999999999' })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
    await expect(admin.webhooks.resend.mutate({ deliveryId: '9999999999999999999' })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
      message: expect.stringContaining('deliveryId is larger than any delivery id'),
    });
    await expect(admin.webhooks.resend.mutate({ deliveryId: 'drop table' })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
      message: expect.stringContaining('deliveryId'),
    });
    await expect(app.client('demo').webhooks.list.query()).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    expect(await admin.webhooks.list.query()).toEqual([]);
  });
});
