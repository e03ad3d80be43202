import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_API_BODY_BYTES, MAX_BATCH_SIZE } from './http-server.ts';
import { startTestApp, type TestApp } from './testing/test-app.ts';

/** Nothing of the server's insides: no stack, no file path, no SQL or Prisma text. */
const LEAKS = /\n\s+at |\/work\/|\/tmp\/|node_modules|prisma|SELECT |violates|syntax error/i;

describe('hostile requests', () => {
  let app: TestApp;
  let auth: Record<string, string>;
  beforeAll(async () => {
    app = await startTestApp();
    auth = { authorization: `Bearer ${app.tokenOf('demo')}`, 'content-type': 'application/json' };
  });
  afterAll(() => app?.stop());

  const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = auth) =>
    fetch(`${app.url}/trpc/${path}`, { method: 'POST', headers, body });

  it('refuses an input whose superjson meta asks for anything but dates, undefined and numbers, without recursing', async () => {
    // Ninety bytes that once made superjson overflow the stack for 638 ms each.
    const crafted = JSON.stringify({ json: { name: {} }, meta: { values: { name: ['class', 'Evil'] } } });
    const answers = await Promise.all(Array.from({ length: 10 }, () => post('assistants.create', crafted)));
    // The server keeps answering while they arrive (a stalled loop held /healthz for seconds).
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(200);
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      const body = await answer.text();
      expect(body).toContain('meta.values[\\"name\\"] must be one of');
      expect(body).not.toMatch(LEAKS);
    }
    // A well-formed date still arrives as a date.
    const from = new Date('2026-01-01T00:00:00.000Z');
    const listed = await app.client('demo').executions.list.query({ from });
    expect(listed.items).toEqual(expect.any(Array));
  });

  it('refuses a body over the limit with 413 before reading it, and one that only grows past it while read', async () => {
    // Says it is too large: answered at once, with nothing of the body sent.
    const declared = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(`${app.url}/trpc/assistants.create`, { method: 'POST', headers: { ...auth, 'content-length': String(MAX_API_BODY_BYTES + 1) } });
      request.on('response', (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', reject);
      request.flushHeaders();
    });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({ error: { message: `The request body is larger than ${MAX_API_BODY_BYTES} bytes` } });
    // 50 MB of malformed JSON sent in chunks with no length: read up to the limit only.
    const chunk = new Uint8Array(1024 * 1024).fill(0x7b);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 50) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const streamed = await fetch(`${app.url}/trpc/assistants.create`, { method: 'POST', headers: auth, body: stream, duplex: 'half' } as RequestInit).catch(
      (error: unknown) => error,
    );
    if (streamed instanceof Response) {
      expect(streamed.status).toBe(413);
      const body = await streamed.text();
      expect(body).toContain('The request body is too large');
      expect(body).not.toMatch(LEAKS);
    }
    expect(sent).toBeLessThan(50);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });

  it(`refuses a batch of more than ${MAX_BATCH_SIZE} calls`, async () => {
    const paths = Array.from({ length: MAX_BATCH_SIZE + 1 }, () => 'users.me').join(',');
    const input = encodeURIComponent(JSON.stringify({}));
    const answer = await fetch(`${app.url}/trpc/${paths}?batch=1&input=${input}`, { headers: auth });
    expect(answer.status).toBe(400);
    expect(await answer.text()).not.toMatch(LEAKS);
    const allowed = Array.from({ length: MAX_BATCH_SIZE }, () => 'users.me').join(',');
    expect((await fetch(`${app.url}/trpc/${allowed}?batch=1&input=${input}`, { headers: auth })).status).toBe(200);
  });

  it('answers a failure inside the server with a request id and nothing of the cause; the log has the cause under that id', async () => {
    const original = app.services.assistants.list;
    const logged: unknown[][] = [];
    const error = console.error;
    console.error = (...args: unknown[]) => logged.push(args);
    app.services.assistants.list = () => Promise.reject(new Error('Invalid `prisma.assistant.findMany()` SELECT * FROM /work/secret'));
    try {
      const answer = await fetch(`${app.url}/trpc/assistants.list`, { headers: auth });
      expect(answer.status).toBe(500);
      const requestId = answer.headers.get('x-request-id');
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      const body = await answer.text();
      expect(body).not.toMatch(LEAKS);
      expect(JSON.parse(body)).toMatchObject({ error: { json: { message: `The server failed (request ${requestId}); its log has the details` } } });
      expect(logged.some((args) => String(args[0]).includes(`request ${requestId}`) && String(args[1]).includes('SELECT * FROM'))).toBe(true);
    } finally {
      app.services.assistants.list = original;
      console.error = error;
    }
  });
});
