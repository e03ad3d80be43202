import { createServer, get, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appRouter, createContext } from '@aae/api';
import { transformer } from '@aae/api/transformer';
import { createEventRecorder } from '@aae/db';
import { createGatedModel } from '@aae/engine/testing';
import { deferred, formatEventId } from '@aae/events';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestHeaders, watchTokenInUrl } from '../request-identity.ts';
import { openSeedStream } from '../testing/seed-event-stream.ts';
import { collectExecutionEvents } from '../testing/subscription.ts';
import { createHeldAssistant, demoAssistantIdOf, mutateWithCookie, startTestApp, TEST_PASSWORD, type TestApp, type TestPerson } from '../testing/test-app.ts';

let app: TestApp;
let reference: Server;
let referenceUrl: string;
let demoAssistantId: number;
let heldAssistantId: number;
const gated = createGatedModel();
/** A live stream may leave this much waiting for its socket before it is cut (small, to test the cut). */
const MAX_BUFFERED = 64 * 1024;

beforeAll(async () => {
  app = await startTestApp({ services: { models: [gated.model] }, liveStreams: { maxBufferedBytes: MAX_BUFFERED } });
  demoAssistantId = await demoAssistantIdOf(app);
  heldAssistantId = await createHeldAssistant(app);
  // The same API on the same services, answered by tRPC's own handler and SSE responder only.
  reference = createServer(
    createHTTPHandler({
      router: appRouter,
      basePath: '/trpc/',
      createContext: ({ req, info }) =>
        createContext(app.services, {
          headers: requestHeaders(req, '127.0.0.1'),
          token: watchTokenInUrl(info.connectionParams?.token),
          ipAddress: '127.0.0.1',
          allowedOrigins: [app.url],
        }),
    }),
  );
  await new Promise<void>((resolve) => reference.listen(0, '127.0.0.1', resolve));
  referenceUrl = `http://127.0.0.1:${(reference.address() as AddressInfo).port}`;
});

afterAll(async () => {
  gated.release();
  await new Promise<void>((resolve) => {
    reference?.close(() => resolve());
    reference?.closeAllConnections();
  });
  await app?.stop();
});

const bearer = (person: TestPerson) => ({ authorization: `Bearer ${app.tokenOf(person)}` });
const subscriptionPath = (input: unknown) => `/trpc/events.onExecutionEvent?input=${encodeURIComponent(JSON.stringify(transformer.input.serialize(input)))}`;

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One SSE request read to its end, as bytes (text); `until` ends it early once the body holds that. */
function readStream(url: string, headers: Record<string, string>, until?: (body: string) => boolean): Promise<RawAnswer> & { cut(): void } {
  const answer = deferred<RawAnswer>();
  let body = '';
  const request = get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      body += chunk;
      if (until?.(body)) request.destroy();
    });
    res.on('close', () => answer.resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
  });
  request.on('error', () => answer.resolve({ status: 0, headers: {}, body }));
  return Object.assign(answer.promise, { cut: () => request.destroy() });
}

/** Both servers' answers to the same request. */
async function both(path: string, headers: Record<string, string>) {
  const [ours, theirs] = await Promise.all([readStream(`${app.url}${path}`, headers), readStream(`${referenceUrl}${path}`, headers)]);
  return { ours, theirs };
}

const STREAM_HEADERS = ['content-type', 'cache-control', 'x-accel-buffering', 'connection', 'transfer-encoding'] as const;
const pick = (headers: IncomingHttpHeaders) => Object.fromEntries(STREAM_HEADERS.map((name) => [name, headers[name]]));
/** The SSE messages of a body (pings left out: when they fall depends on time). */
const messagesOf = (body: string) => body.split('\n\n\n').filter((message) => message !== '' && !message.startsWith('event: ping'));

async function runDemoToEnd() {
  const { executionId } = await app.client('demo').executions.execute.mutate({
    assistantId: demoAssistantId,
    input: { topic: 'tidal energy', audience: 'engineers' },
  });
  await expect.poll(async () => (await app.client('demo').executions.get.query({ executionId })).status).toBe('completed');
  return executionId;
}

describe('events.onExecutionEvent, answered by the fan-out core in tRPC’s wire format', () => {
  it('sends exactly what tRPC’s own responder sends for a finished execution: from the start, resumed, and with nothing left', async () => {
    const executionId = await runDemoToEnd();
    const stored = await app.services.events.getExecutionEvents(executionId);
    const fifth = stored[4]!.eventData.eventId;
    const cases: Array<[string, Record<string, string>]> = [
      [subscriptionPath({ executionId }), bearer('demo')],
      [subscriptionPath({ executionId }), { ...bearer('demo'), 'last-event-id': fifth }],
      [subscriptionPath({ executionId, lastEventId: fifth }), bearer('demo')],
      [`${subscriptionPath({ executionId })}&lastEventId=${fifth}`, bearer('demo')],
      [subscriptionPath({ executionId, lastEventId: stored.at(-1)!.eventData.eventId }), bearer('demo')],
    ];
    for (const [path, headers] of cases) {
      const { ours, theirs } = await both(path, headers);
      expect(ours.status).toBe(200);
      expect(pick(ours.headers)).toEqual(pick(theirs.headers));
      expect(ours.body).toBe(theirs.body);
    }
    // The first case in full: connected, every stored event with its id, then the end.
    const { ours } = await both(subscriptionPath({ executionId }), bearer('demo'));
    const messages = messagesOf(ours.body);
    expect(messages[0]).toBe('event: connected\ndata: {"reconnectAfterInactivityMs":25000}');
    expect(messages.at(-1)).toBe('event: return\ndata: ');
    expect(messages.slice(1, -1).map((message) => /\nid: (.+)$/.exec(message)?.[1])).toEqual(stored.map((event) => event.eventData.eventId));
  });

  it('refuses as tRPC refuses: no identity, another member’s execution, a malformed or foreign last event id, bad input', async () => {
    const executionId = await runDemoToEnd();
    const cases: Array<[string, Record<string, string>]> = [
      [subscriptionPath({ executionId }), {}],
      [subscriptionPath({ executionId }), bearer('other')],
      [subscriptionPath({ executionId, lastEventId: 'nope' }), bearer('demo')],
      [subscriptionPath({ executionId, lastEventId: 'evt_1_000001' }), bearer('demo')],
      [subscriptionPath({ executionId: -3 }), bearer('demo')],
      [subscriptionPath({ executionId: 99_999_999 }), bearer('demo')],
      ['/trpc/events.onExecutionEvent?input=%7Bnot-json', bearer('demo')],
    ];
    for (const [path, headers] of cases) {
      const { ours, theirs } = await both(path, headers);
      expect(ours.status).toBe(theirs.status);
      // The error names what is wrong, the same words from both.
      expect(messagesOf(ours.body)).toEqual(messagesOf(theirs.body));
      expect(ours.body).toMatch(/event: serialized-error|"error"/);
    }
  });

  it('streams a running execution live as tRPC would, and ends both the same way when it ends', async () => {
    const { executionId } = await app.client('demo').executions.execute.mutate({ assistantId: heldAssistantId, input: {} });
    const path = subscriptionPath({ executionId });
    const ours = readStream(`${app.url}${path}`, bearer('demo'));
    const theirs = readStream(`${referenceUrl}${path}`, bearer('demo'));
    // Both see the run's first events live, then it is cancelled and both end.
    await expect.poll(async () => (await app.services.events.lastSequence(executionId)) >= 2).toBe(true);
    await app.client('demo').executions.cancel.mutate({ executionId });
    const [a, b] = await Promise.all([ours, theirs]);
    expect(messagesOf(a.body)).toEqual(messagesOf(b.body));
    expect(messagesOf(a.body).at(-1)).toBe('event: return\ndata: ');
    expect(messagesOf(a.body).length).toBe((await app.services.events.lastSequence(executionId)) + 2);
  });

  it('is what the real httpSubscriptionLink reads, served by the core (one stream open, no tRPC stream)', async () => {
    const { executionId } = await app.client('demo').executions.execute.mutate({ assistantId: heldAssistantId, input: {} });
    const stream = collectExecutionEvents(app.client('demo'), { executionId });
    await stream.received(2);
    const health = (await (await fetch(`${app.url}/healthz`)).json()) as { live: { streams: number; watchers: number } };
    expect(health.live.streams).toBe(1);
    expect(health.live.watchers).toBe(1);
    await app.client('demo').executions.cancel.mutate({ executionId });
    await stream.completed;
    const stored = await app.services.events.getExecutionEvents(executionId);
    expect(stream.events.map((event) => event.eventData.eventId)).toEqual(stored.map((event) => event.eventData.eventId));
    expect(stream.events.at(-1)?.eventType).toBe('execution-error');
  });

  it('ends a stream whose token is revoked with the error tRPC sends', async () => {
    const { cookie } = await app.signIn('demo@example.test', TEST_PASSWORD);
    const { token, id } = await mutateWithCookie<{ token: string; id: number }>(app.url, cookie!, 'tokens.create', {
      name: 'revoked mid-stream',
      scopes: ['executions:read'],
    });
    const { executionId } = await app.client('demo').executions.execute.mutate({ assistantId: heldAssistantId, input: {} });
    const path = subscriptionPath({ executionId });
    const headers = { authorization: `Bearer ${token}` };
    const hasEvents = (body: string) => messagesOf(body).length >= 3;
    let oursBody = '';
    let theirsBody = '';
    const ours = readStream(`${app.url}${path}`, headers, (body) => {
      oursBody = body;
      return false;
    });
    const theirs = readStream(`${referenceUrl}${path}`, headers, (body) => {
      theirsBody = body;
      return false;
    });
    await expect.poll(() => hasEvents(oursBody) && hasEvents(theirsBody)).toBe(true);
    await mutateWithCookie(app.url, cookie!, 'tokens.revoke', { tokenId: id });
    const [a, b] = await Promise.all([ours, theirs]);
    expect(messagesOf(a.body).at(-1)).toBe(messagesOf(b.body).at(-1));
    expect(messagesOf(a.body).at(-1)).toMatch(/^event: serialized-error\ndata: .*"This token was revoked".*"UNAUTHORIZED"/);
    await app.client('demo').executions.cancel.mutate({ executionId });
  });
});

describe('a client too slow for its stream', () => {
  it('is cut instead of filling the server’s memory, and resumes by id with nothing lost', async () => {
    const me = await app.client('demo').users.me.query();
    const executionId = await app.services.executions.create({ assistantId: demoAssistantId, assistantVersion: 1, userId: me.id, input: {} });
    const recorder = createEventRecorder({ executionId, enqueue: (event) => app.services.buffer.enqueue(event) });
    // A client that stops reading once the stream has started.
    const messages: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (message) => messages.push(message) });
    const closed = deferred<void>();
    const started = deferred<void>();
    const live = async () => ((await (await fetch(`${app.url}/healthz`)).json()) as { live: { watchers: number; slowWatchersCut: number } }).live;
    const before = await live();
    let resumeReading: () => void = () => {};
    get(`${app.url}/api/assistant-architect/events/${executionId}`, { headers: bearer('demo') }, (res) => {
      res.setEncoding('utf8');
      res.pause();
      resumeReading = () => {
        res.on('data', (chunk: string) => parser.feed(chunk));
        res.resume();
      };
      res.on('close', () => closed.resolve());
      started.resolve();
    }).on('error', () => closed.resolve());
    await started.promise;
    await expect.poll(async () => (await live()).watchers).toBe(before.watchers + 1);
    // Far more than the socket and the kernel's buffers take: the stream falls behind and is cut.
    const text = 'x'.repeat(4_000);
    let written = 0;
    while ((await live()).slowWatchersCut === before.slowWatchersCut) {
      if (written >= 20_000) throw new Error('the slow client was never cut');
      for (let i = 0; i < 200; i++) {
        written += 1;
        recorder.emit({ eventType: 'progress', eventData: { currentStep: written, totalSteps: 0, percentage: 0, message: `${written} ${text}` } });
      }
      await app.services.buffer.flush();
    }
    // The server holds at most its limit for the socket (plus the event that crossed it).
    resumeReading();
    await closed.promise;
    const lastSeen = messages.at(-1)?.id;
    expect(messages.length).toBeLessThan(written);
    // Resumed from the last complete message: the rest, then the end.
    const resumed = openSeedStream(`${app.url}/api/assistant-architect/events/${executionId}`, {
      headers: { ...bearer('demo'), ...(lastSeen ? { 'last-event-id': lastSeen } : {}) },
    });
    await resumed.response;
    recorder.emit({ eventType: 'execution-complete', eventData: { executionId, totalTokens: 0, duration: 1, success: true } });
    await app.services.buffer.flush();
    await resumed.ended;
    const ids = [...messages, ...resumed.messages].map((message) => message.id);
    expect(ids).toEqual(Array.from({ length: written + 1 }, (_, i) => formatEventId(executionId, i + 1)));
  });
});
