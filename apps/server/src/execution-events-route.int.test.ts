import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getExecutionEvents } from '@aae/client';
import { createGatedModel } from '@aae/engine/testing';
import type { StoredEvent } from '@aae/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleExecutionEvents } from './execution-events-route.ts';
import { createSseResponses } from './live-delivery/sse-responses.ts';
import { compileTrustProxy } from './request-identity.ts';
import { openSeedStream } from './testing/seed-event-stream.ts';
import { collectExecutionEvents } from './testing/subscription.ts';
import { mutateWithCookie, createHeldAssistant, demoAssistantIdOf, startTestApp, TEST_PASSWORD, type TestApp, type TestPerson } from './testing/test-app.ts';

let app: TestApp;
let demoAssistantId: number;
let heldAssistantId: number;
const gated = createGatedModel();

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

const eventsUrl = (executionId: number, query = '') => `${app.url}/api/assistant-architect/events/${executionId}${query}`;
const bearer = (person: TestPerson) => ({ authorization: `Bearer ${app.tokenOf(person)}` });

async function runDemo(person: TestPerson = 'demo') {
  return app.client(person).executions.execute.mutate({
    assistantId: demoAssistantId,
    input: { topic: 'solar-powered desalination', audience: 'city planners' },
  });
}

/** A run that waits (its model is held) until it is cancelled. */
const runHeld = (person: TestPerson = 'demo') => app.client(person).executions.execute.mutate({ assistantId: heldAssistantId, input: {} });

const TERMINAL = new Set(['execution-complete', 'execution-error']);

/** What the seed's client sees of a stored event. */
const asSeedMessage = (event: StoredEvent) => ({ event: event.eventType, id: event.eventData.eventId, data: event.eventData });
const parsed = (messages: Array<{ event?: string | undefined; id?: string | undefined; data: string }>) =>
  messages.map((message) => ({ event: message.event, id: message.id, data: JSON.parse(message.data) as unknown }));

describe('GET /api/assistant-architect/events/:executionId (the seed’s EventSource endpoint)', () => {
  it('streams each event as a named SSE message with its id and the seed’s payload, then ends', async () => {
    const { executionId } = await runDemo();
    const stream = openSeedStream(eventsUrl(executionId), { headers: bearer('demo') });
    const { status, headers } = await stream.response;
    expect(status).toBe(200);
    expect(headers).toMatchObject({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    await stream.ended;
    // Reconnect within a second, and it comes first.
    expect(stream.text().startsWith('retry: ')).toBe(true);
    expect(stream.retries).toHaveLength(1);
    expect(stream.retries[0]).toBeGreaterThanOrEqual(250);
    expect(stream.retries[0]).toBeLessThanOrEqual(1000);

    const stored = await getExecutionEvents(app.client('demo'), executionId);
    expect(stored.at(-1)!.eventType).toBe('execution-complete');
    expect(parsed(stream.messages)).toStrictEqual(stored.map(asSeedMessage));
    // Plain JSON of the payload: no transformer's wrapping.
    expect(stream.messages[0]!.data).toBe(JSON.stringify(stored[0]!.eventData));
  });

  it('resumes after Last-Event-ID when cut at random points: every event once, in order; then 204', async () => {
    const { executionId } = await runDemo();
    const seen: Array<{ event?: string | undefined; id?: string | undefined; data: string }> = [];
    let cuts = 0;
    for (let attempt = 0; attempt < 200; attempt++) {
      const last = seen.at(-1)?.id;
      // Every other reconnection names the resume point in the query instead, as a client without headers would.
      const viaQuery = attempt % 2 === 1 && last !== undefined;
      const stream = openSeedStream(eventsUrl(executionId, viaQuery ? `?lastEventId=${last}` : ''), {
        headers: { ...bearer('demo'), ...(last && !viaQuery ? { 'last-event-id': last } : {}) },
        cutAfterBytes: 20 + Math.floor(Math.random() * 900),
      });
      const { status } = await stream.response;
      await stream.ended;
      if (status === 204) break;
      expect(status).toBe(200);
      seen.push(...stream.messages);
      if (TERMINAL.has(stream.messages.at(-1)?.event ?? '')) continue;
      cuts++;
    }
    const stored = await getExecutionEvents(app.client('demo'), executionId);
    expect(parsed(seen)).toStrictEqual(stored.map(asSeedMessage));
    expect(cuts).toBeGreaterThan(2);

    // Finished and fully sent: 204, which stops an EventSource.
    const done = openSeedStream(eventsUrl(executionId), { headers: { ...bearer('demo'), 'last-event-id': stored.at(-1)!.eventData.eventId } });
    expect((await done.response).status).toBe(204);
    // Finished but not all sent: the rest, then the end.
    const rest = openSeedStream(eventsUrl(executionId), { headers: { ...bearer('demo'), 'last-event-id': stored.at(-3)!.eventData.eventId } });
    await rest.ended;
    expect(parsed(rest.messages)).toStrictEqual(stored.slice(-2).map(asSeedMessage));
  });

  it('takes the Last-Event-ID header over the query parameter, and refuses a malformed or foreign id with 400', async () => {
    const { executionId } = await runDemo();
    await collectExecutionEvents(app.client('demo'), { executionId }).completed;
    const stored = await getExecutionEvents(app.client('demo'), executionId);
    const both = openSeedStream(eventsUrl(executionId, `?lastEventId=${stored[0]!.eventData.eventId}`), {
      headers: { ...bearer('demo'), 'last-event-id': stored.at(-2)!.eventData.eventId },
    });
    await both.ended;
    expect(parsed(both.messages)).toStrictEqual(stored.slice(-1).map(asSeedMessage));

    const refusals = [
      { header: 'not-an-id', message: 'is not an event id' },
      { header: 'evt_1_000001', message: 'belongs to execution 1' },
      { header: `evt_${executionId}_009999`, message: 'has not reached that sequence' },
    ];
    for (const { header, message } of refusals) {
      const refused = openSeedStream(eventsUrl(executionId), { headers: { ...bearer('demo'), 'last-event-id': header } });
      const { status, headers } = await refused.response;
      await refused.ended;
      expect(status).toBe(400);
      expect(headers['content-type']).toContain('text/plain');
      expect(refused.text()).toContain(message);
    }
    const viaQuery = openSeedStream(eventsUrl(executionId, '?lastEventId=evt_x'), { headers: bearer('demo') });
    expect((await viaQuery.response).status).toBe(400);
  });

  it('answers with the API’s identity and rules: 401 without one, as missing for another member, a watch token in the query', async () => {
    const { executionId } = await runDemo();
    await collectExecutionEvents(app.client('demo'), { executionId }).completed;
    const stored = await getExecutionEvents(app.client('demo'), executionId);

    const anonymous = openSeedStream(eventsUrl(executionId));
    expect((await anonymous.response).status).toBe(401);
    const other = openSeedStream(eventsUrl(executionId), { headers: bearer('other') });
    expect((await other.response).status).toBe(404);
    await other.ended;
    expect(other.text()).toContain(`Execution ${executionId} does not exist`);
    expect((await openSeedStream(eventsUrl(999_999), { headers: bearer('demo') }).response).status).toBe(404);
    // An admin reads everyone's.
    const admin = openSeedStream(eventsUrl(executionId), { headers: bearer('admin') });
    await admin.ended;
    expect(admin.messages).toHaveLength(stored.length);

    // A session cookie, as a browser's EventSource sends it.
    const { cookie } = await app.signIn('demo@example.test', TEST_PASSWORD);
    const viaCookie = openSeedStream(eventsUrl(executionId), { headers: { cookie: cookie! } });
    await viaCookie.ended;
    expect(parsed(viaCookie.messages)).toStrictEqual(stored.map(asSeedMessage));

    const { token } = await app.client('demo').executions.createWatchToken.mutate({ executionId });
    const watched = openSeedStream(eventsUrl(executionId, `?token=${encodeURIComponent(token)}`));
    await watched.ended;
    expect(parsed(watched.messages)).toStrictEqual(stored.map(asSeedMessage));
    const { executionId: another } = await runDemo();
    const elsewhere = openSeedStream(eventsUrl(another, `?token=${encodeURIComponent(token)}`));
    expect((await elsewhere.response).status).toBe(403);
    // A personal access token is never taken from a URL.
    expect((await openSeedStream(eventsUrl(executionId, `?token=${app.tokenOf('demo')}`)).response).status).toBe(401);
    await collectExecutionEvents(app.client('demo'), { executionId: another }).completed;
  });

  it('ends the stream when its token is revoked; the reconnection is refused', async () => {
    const { cookie } = await app.signIn('demo@example.test', TEST_PASSWORD);
    const { token, id } = await mutateWithCookie<{ token: string; id: number }>(app.url, cookie!, 'tokens.create', {
      name: 'seed stream',
      scopes: ['executions:read'],
    });
    const { executionId } = await runHeld();
    const stream = openSeedStream(eventsUrl(executionId), { headers: { authorization: `Bearer ${token}` } });
    await stream.received(2);
    await mutateWithCookie(app.url, cookie!, 'tokens.revoke', { tokenId: id });
    await stream.ended;
    const again = openSeedStream(eventsUrl(executionId), { headers: { authorization: `Bearer ${token}`, 'last-event-id': stream.messages.at(-1)!.id! } });
    expect((await again.response).status).toBe(401);
    await app.client('demo').executions.cancel.mutate({ executionId });
  });

  it('pings an idle stream, refuses streams past the person’s limit, and frees a stream whose client goes', async () => {
    // The route on a server of its own, checking often for streams to ping.
    const responses = createSseResponses({ sweepMs: 20, pingMs: 20 });
    const server: Server = createServer((req, res) => {
      void handleExecutionEvents(app.services, req, res, { trustProxy: compileTrustProxy(undefined), responses });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/assistant-architect/events`;
    const limits = app.services.usageLimits.settings;
    limits.streamsPerPerson = 1;
    try {
      const { executionId } = await runHeld();
      const headers = bearer('demo');
      const first = openSeedStream(`${base}/${executionId}`, { headers });
      await first.received(2);
      await expect.poll(() => first.comments.length).toBeGreaterThan(0);
      expect(first.comments[0]).toBe('ping');
      // Past the person's streams: refused, saying when to come back.
      const second = openSeedStream(`${base}/${executionId}`, { headers });
      const refused = await second.response;
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBe('5');
      first.cut();
      await first.ended;
      // Its place is free again once the server has seen it go.
      await expect
        .poll(async () => {
          const next = openSeedStream(`${base}/${executionId}`, { headers });
          const { status } = await next.response;
          next.cut();
          await next.ended;
          return status;
        })
        .toBe(200);
      await app.client('demo').executions.cancel.mutate({ executionId });
    } finally {
      limits.streamsPerPerson = 0;
      responses.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  });

  it('is routed before the exports and is answered only to GET', async () => {
    const { executionId } = await runDemo();
    await collectExecutionEvents(app.client('demo'), { executionId }).completed;
    const posted = await fetch(eventsUrl(executionId), { method: 'POST', headers: bearer('demo') });
    expect(posted.status).toBe(405);
    expect((await fetch(`${app.url}/api/assistant-architect/events/abc`, { headers: bearer('demo') })).status).toBe(404);
  });
});
