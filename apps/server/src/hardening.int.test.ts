import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatedModel } from '@aae/engine/testing';
import { MAX_API_BODY_BYTES, MAX_BATCH_SIZE } from './http-server.ts';
import { createHeldAssistant, startTestApp, type TestApp } from './testing/test-app.ts';

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
      const request = httpRequest(`${app.url}/trpc/assistants.create`, {
        method: 'POST',
        headers: { ...auth, 'content-length': String(MAX_API_BODY_BYTES + 1) },
      });
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
    const original = app.services.assistants.listSummaries;
    const logged: unknown[][] = [];
    const error = console.error;
    console.error = (...args: unknown[]) => logged.push(args);
    app.services.assistants.listSummaries = () => Promise.reject(new Error('Invalid `prisma.assistant.findMany()` SELECT * FROM /work/secret'));
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
      app.services.assistants.listSummaries = original;
      console.error = error;
    }
  });
});

describe('usage limits', () => {
  let app: TestApp;
  let heldAssistantId: number;
  const gated = createGatedModel();
  beforeAll(async () => {
    app = await startTestApp({
      services: { models: [gated.model], usageLimits: { executionsPerMinute: 4, runningPerPerson: 2, runningInAll: 3, streamsPerPerson: 2 } },
    });
    heldAssistantId = await createHeldAssistant(app);
  });
  afterAll(async () => {
    gated.release();
    await app?.stop();
  });

  const execute = (person: 'demo' | 'other' | 'admin') =>
    fetch(`${app.url}/trpc/executions.execute`, {
      method: 'POST',
      headers: { authorization: `Bearer ${app.tokenOf(person)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ json: { assistantId: heldAssistantId, input: {} } }),
    });

  it('refuses the run past a person’s running limit and the installation’s, with 429 and Retry-After, then the start rate; notes who in the audit log', async () => {
    expect((await execute('demo')).status).toBe(200);
    expect((await execute('demo')).status).toBe(200);
    const third = await execute('demo');
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(JSON.stringify(await third.json())).toContain('You have 2 executions running, the most one person may');
    // Someone else may still run, up to the installation's limit.
    expect((await execute('other')).status).toBe(200);
    const overall = await execute('admin');
    expect(overall.status).toBe(429);
    expect(JSON.stringify(await overall.json())).toContain('The server is running 3 executions');
    // The server answers other calls meanwhile.
    expect((await app.client('demo').users.me.query()).email).toBe('demo@example.test');

    gated.release();
    for (const execution of (await app.client('admin').executions.list.query({ status: 'running' })).items) await app.services.runner.waitFor(execution.id);
    // Two accepted starts so far for demo (a refused one does not count): the rate (4 a minute) allows two more, not three.
    // A person refused for running too many is refused from memory for a second more, without counting again.
    const accepted: number[] = [];
    const acceptedStatus = async () => {
      const answer = await execute('demo');
      if (answer.status === 200) accepted.push(((await answer.json()) as { result: { data: { json: { executionId: number } } } }).result.data.json.executionId);
      return answer.status;
    };
    await expect.poll(acceptedStatus, { timeout: 30_000 }).toBe(200);
    // Let that one finish, so the next start is measured against the rate, not the running limit (a loaded machine runs slowly).
    await app.services.runner.waitFor(accepted[0] as number);
    expect(await acceptedStatus()).toBe(200);
    await app.services.runner.waitFor(accepted[1] as number);
    const tooFast = await execute('demo');
    expect(tooFast.status).toBe(429);
    expect(Number(tooFast.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(JSON.stringify(await tooFast.json())).toContain('You started 4 executions in the last minute');

    const limited = await app.client('admin').audit.list.query({ action: 'rate-limited' });
    expect(limited.items.map((item) => [item.subject, item.details])).toEqual(
      expect.arrayContaining([
        ['demo@example.test', { limit: 'runningPerPerson' }],
        ['admin@example.test', { limit: 'runningInAll' }],
        ['demo@example.test', { limit: 'executionsPerMinute' }],
      ]),
    );
  });

  it('refuses a person’s stream past their number of open streams, for good (the client does not retry it)', async () => {
    const client = app.client('admin');
    const feeds = Array.from({ length: 3 }, () => {
      const states: string[] = [];
      let settle: (error: unknown) => void = () => {};
      const ended = new Promise<unknown>((resolve) => (settle = resolve));
      let resolveOpen: () => void = () => {};
      const opened = new Promise<void>((resolve) => (resolveOpen = resolve));
      const subscription = client.events.onAnyEvent.subscribe(
        { backlog: 0 },
        {
          onStarted: () => resolveOpen(),
          onConnectionStateChange: (state) => states.push(state.state),
          onError: (error) => settle(error),
          onComplete: () => settle(null),
        },
      );
      return { subscription, ended, opened, states };
    });
    const refused = await Promise.race(feeds.map((feed, index) => feed.ended.then((error) => ({ index, error }))));
    expect(refused.error).toMatchObject({ data: { code: 'TOO_MANY_REQUESTS' }, message: expect.stringContaining('You have 2 live streams open') });
    // The other two are open and stay so.
    await Promise.all(feeds.filter((_, index) => index !== refused.index).map((feed) => feed.opened));
    for (const feed of feeds) feed.subscription.unsubscribe();
  });
});

describe('a batch of starts', () => {
  let app: TestApp;
  const gated = createGatedModel();
  beforeAll(async () => {
    app = await startTestApp({ services: { models: [gated.model], usageLimits: { runningPerPerson: 2 } } });
  });
  afterAll(async () => {
    gated.release();
    await app?.stop();
  });

  it('counts each start of one batched request against the running limit, so only the limit’s worth start', async () => {
    const held = await app.client('admin').assistants.create.mutate({
      name: 'Held',
      visibility: 'shared',
      prompts: [{ name: 'Held', position: 1, modelId: 'gated', content: 'Wait for it' }],
    });
    const calls = 5;
    const body = Object.fromEntries(Array.from({ length: calls }, (_, index) => [index, { json: { assistantId: held.id, input: {} } }]));
    const answer = await fetch(`${app.url}/trpc/${Array.from({ length: calls }, () => 'executions.execute').join(',')}?batch=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${app.tokenOf('demo')}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const results = (await answer.json()) as Array<{ result?: unknown; error?: { json: { data: { code: string } } } }>;
    expect(results.filter((result) => result.result).length).toBe(2);
    expect(results.filter((result) => result.error?.json.data.code === 'TOO_MANY_REQUESTS').length).toBe(calls - 2);
  });
});

describe('requests per address', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ requestsPerMinutePerAddress: 10 });
  });
  afterAll(() => app?.stop());

  it('answers 429 with Retry-After past the limit, and /healthz still answers', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await fetch(`${app.url}/trpc/setup.status`)).status);
    // Starting the app and seeding its people made some requests already.
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(2);
    expect(statuses.at(-1)).toBe(429);
    const refused = await fetch(`${app.url}/trpc/setup.status`);
    const wait = Number(refused.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({
      error: { json: { code: -32029, data: { code: 'TOO_MANY_REQUESTS', httpStatus: 429, retryAfterSeconds: wait } } },
    });
    // tRPC's own client reads it as any refusal, with the wait, and does not retry a wait this long.
    await expect(app.client('demo').users.me.query()).rejects.toMatchObject({
      message: expect.stringMatching(/^Too many requests from your address; try again in \d+ s$/),
      data: { code: 'TOO_MANY_REQUESTS', limit: 'requestsPerMinutePerAddress', retryAfterSeconds: expect.any(Number) },
    });
    // Exports count too; health checks and the web app's files do not.
    expect((await fetch(`${app.url}/api/executions.json`)).status).toBe(429);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${app.url}/`)).status).not.toBe(429);
  });
});

describe('a flood of execution starts', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ services: { usageLimits: { executionsPerMinute: 5 } } });
  });
  afterAll(() => app?.stop());

  it('starts the rate’s worth, refuses the rest with 429 and Retry-After, and answers other calls throughout', async () => {
    const assistants = (await app.client('demo').assistants.list.query()).items;
    const assistantId = assistants.find((assistant) => assistant.name === 'Research Brief Writer')!.id;
    const flood = Array.from({ length: 300 }, () =>
      fetch(`${app.url}/trpc/executions.execute`, {
        method: 'POST',
        headers: { authorization: `Bearer ${app.tokenOf('demo')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ json: { assistantId, input: { topic: 'flood' } } }),
      }),
    );
    // Asked while the starts are being answered; answered whatever their state.
    const meanwhile = await Promise.all([app.client('other').users.me.query(), app.client('admin').assistants.list.query()]);
    expect(meanwhile[0].email).toBe('other@example.test');
    const answers = await Promise.all(flood);
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(295);
    for (const answer of answers.filter((one) => one.status === 429)) expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    const demo = app.people.demo;
    expect(await app.database.prisma.execution.count({ where: { userId: demo.id, input: { equals: { topic: 'flood' } } } })).toBe(5);
    expect((await app.client('demo').users.me.query()).email).toBe('demo@example.test');
  });
});

describe('a proxy the server was not told to trust', () => {
  it('warns once that X-Forwarded-For is not believed, naming TRUST_PROXY', async () => {
    const warnings: string[] = [];
    const app = await startTestApp({ warn: (...args) => warnings.push(args.map(String).join(' ')) });
    try {
      for (let i = 0; i < 3; i++) await fetch(`${app.url}/healthz`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
      const proxyWarnings = warnings.filter((warning) => warning.includes('X-Forwarded-For'));
      expect(proxyWarnings).toHaveLength(1);
      expect(proxyWarnings[0]).toContain('set TRUST_PROXY');
    } finally {
      await app.stop();
    }
  });
});
