import { request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { startChildServer } from './child-server.ts';
import type { BenchmarkResult } from './report.ts';
import { formatNumber, formatRatio, max, median, percentile } from './stats.ts';

type ServerMethods = {
  token(): string;
  assistantId(): number;
  executions(): Promise<number>;
  stop(): Promise<void>;
};

const SAMPLES = 300;
const WARM_UP = 30;
const FLOOD = 1_000;
const FLOOD_CONCURRENCY = 50;

interface Case {
  label: string;
  body: () => string | Buffer;
  samples: number;
  expectStatus: number;
}

/** The request the issue found stalling the server: superjson's meta driving deep recursion. */
const CRAFTED_META = '{"json":{"name":{}},"meta":{"values":{"name":["class","Evil"]}}}';

const CASES: Case[] = [
  { label: 'a normal bad request (empty name)', body: () => '{"json":{"name":""}}', samples: SAMPLES, expectStatus: 400 },
  { label: `the crafted superjson body (${CRAFTED_META.length} bytes)`, body: () => CRAFTED_META, samples: SAMPLES, expectStatus: 400 },
  { label: 'JSON nested 5,000 deep (10 KB)', body: () => `{"json":${'['.repeat(5_000)}${']'.repeat(5_000)}}`, samples: SAMPLES, expectStatus: 400 },
  { label: 'malformed JSON of 7 MB (under the limit)', body: () => Buffer.alloc(7 * 2 ** 20, '{'), samples: 10, expectStatus: 400 },
];

/**
 * 50 MB of malformed JSON in 1 MB chunks with no declared length (so the server must read to
 * its limit): the round trip until the answer, which may come before all of it is sent.
 */
function postHuge(url: string, headers: Record<string, string>): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const chunk = Buffer.alloc(2 ** 20, '{');
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } });
    let answered = false;
    request.on('response', (response) => {
      answered = true;
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, ms: performance.now() - started }));
    });
    // The server may close the socket once it has refused: expected, not a failure.
    request.on('error', (error) => (answered ? undefined : reject(error)));
    let sent = 0;
    const write = () => {
      while (!answered && sent < 50) {
        sent += 1;
        if (!request.write(chunk)) return void request.once('drain', write);
      }
      if (!answered) request.end();
    };
    write();
  });
}

export async function runHostileInput(): Promise<BenchmarkResult> {
  const server = await startChildServer<ServerMethods>(new URL('./hostile-input-server.ts', import.meta.url));
  try {
    const token = await server.call('token');
    const assistantId = await server.call('assistantId');
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const post = async (path: string, body: string | Buffer) => {
      const started = performance.now();
      const answer = await fetch(`${server.url}/trpc/${path}`, { method: 'POST', headers, body });
      await answer.arrayBuffer();
      return { status: answer.status, ms: performance.now() - started };
    };
    const get = async (url: string, withToken = false) => {
      const started = performance.now();
      const answer = await fetch(url, withToken ? { headers } : {});
      await answer.arrayBuffer();
      if (answer.status !== 200) throw new Error(`${url} answered ${answer.status}`);
      return performance.now() - started;
    };

    // 1. What one bad request costs, one at a time.
    const perCase: Array<{ label: string; ms: number[] }> = [];
    for (const item of CASES) {
      const body = item.body();
      for (let index = 0; index < Math.min(WARM_UP, item.samples); index++) await post('assistants.create', body);
      const ms: number[] = [];
      for (let index = 0; index < item.samples; index++) {
        const { status, ms: took } = await post('assistants.create', body);
        if (status !== item.expectStatus) throw new Error(`${item.label} answered ${status}, expected ${item.expectStatus}`);
        ms.push(took);
      }
      perCase.push({ label: item.label, ms });
    }
    const huge: number[] = [];
    for (let index = 0; index < 10; index++) {
      const { status, ms } = await postHuge(`${server.url}/trpc/assistants.create`, headers);
      if (status !== 413) throw new Error(`a 50 MB body answered ${status}, expected 413`);
      huge.push(ms);
    }
    perCase.push({ label: '50 MB of malformed JSON, chunked with no length (over the 8 MB limit)', ms: huge });
    const baseline = median(perCase[0]!.ms);

    // 2. /healthz alone, then while ten crafted bodies are always in flight.
    const healthIdle: number[] = [];
    for (let index = 0; index < 100; index++) healthIdle.push(await get(`${server.url}/healthz`));
    const healthWhile = async (body: string) => {
      let sending = true;
      const senders = Array.from({ length: 10 }, async () => {
        while (sending) await post('assistants.create', body);
      });
      const probes: number[] = [];
      for (let index = 0; index < 100; index++) probes.push(await get(`${server.url}/healthz`));
      sending = false;
      await Promise.all(senders);
      return probes;
    };
    const healthUnderNormal = await healthWhile(CASES[0]!.body() as string);
    const healthUnderAttack = await healthWhile(CRAFTED_META);
    let attacking = true;
    const hugeAttackers = Array.from({ length: 10 }, async () => {
      while (attacking) await postHuge(`${server.url}/trpc/assistants.create`, headers);
    });
    const healthUnderHuge: number[] = [];
    for (let index = 0; index < 100; index++) healthUnderHuge.push(await get(`${server.url}/healthz`));
    attacking = false;
    await Promise.all(hugeAttackers);

    // 3. A simple query alone; during a flood of that same query (the fair share of one request
    // among fifty); then during a flood of execution starts (30 a minute allowed).
    const meIdle: number[] = [];
    for (let index = 0; index < 100; index++) meIdle.push(await get(`${server.url}/trpc/users.me`, true));
    const flood = async (send: (index: number) => Promise<number>) => {
      const statuses = new Map<number, number>();
      const probes: number[] = [];
      let sent = 0;
      let flooding = true;
      const started = performance.now();
      const flooders = Array.from({ length: FLOOD_CONCURRENCY }, async () => {
        while (sent < FLOOD) {
          sent += 1;
          const status = await send(sent);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      });
      const prober = (async () => {
        while (flooding) probes.push(await get(`${server.url}/trpc/users.me`, true));
      })();
      await Promise.all(flooders);
      const ms = performance.now() - started;
      flooding = false;
      await prober;
      return { statuses, probes, ms };
    };
    const queries = await flood(async () => {
      const answer = await fetch(`${server.url}/trpc/users.me`, { headers });
      await answer.arrayBuffer();
      return answer.status;
    });
    const executionsBefore = await server.call('executions');
    const starts = await flood(
      async (index) =>
        (await post('executions.execute', JSON.stringify({ json: { assistantId, input: { topic: `flood ${index}`, audience: 'bench' } } }))).status,
    );
    const started200 = (await server.call('executions')) - executionsBefore;
    // One at a time now, the rate used up: what one refused start costs.
    // (The window may renew meanwhile: a start it lets through is not a sample.)
    const refusedStarts: number[] = [];
    for (let attempts = 0; refusedStarts.length < SAMPLES && attempts < SAMPLES * 3; attempts++) {
      const { status, ms } = await post('executions.execute', JSON.stringify({ json: { assistantId, input: { topic: 'one more', audience: 'bench' } } }));
      if (status === 429) refusedStarts.push(ms);
      else if (status !== 200) throw new Error(`a start answered ${status}`);
    }
    perCase.push({ label: 'a start refused with 429 (`executions.execute`, the minute’s starts used)', ms: refusedStarts });
    const answered = (statuses: Map<number, number>) => [...statuses.entries()].map(([status, count]) => `${count} × ${status}`).join(', ');

    const row = (label: string, ms: number[], against: number) => [
      label,
      String(ms.length),
      formatNumber(median(ms)),
      formatNumber(percentile(ms, 95)),
      formatNumber(max(ms)),
      formatRatio(median(ms) / against),
    ];
    return {
      name: 'hostile-input',
      title: 'what bad and hostile requests cost, and what others wait meanwhile',
      tables: [
        {
          caption: 'One request at a time, round trip in ms (baseline: a normal bad request)',
          columns: ['request (to `assistants.create` unless named)', 'n', 'median', 'p95', 'max', 'median vs baseline'],
          rows: perCase.map((item) => row(item.label, item.ms, baseline)),
        },
        {
          caption: 'Others meanwhile, round trip in ms (baseline: the same request on an idle server)',
          columns: ['request', 'n', 'median', 'p95', 'max', 'median vs idle'],
          rows: [
            row('`/healthz`, idle', healthIdle, median(healthIdle)),
            row('`/healthz`, ten normal bad requests always in flight', healthUnderNormal, median(healthIdle)),
            row('`/healthz`, ten crafted bodies always in flight', healthUnderAttack, median(healthIdle)),
            row('`/healthz`, ten 50 MB bodies always in flight', healthUnderHuge, median(healthIdle)),
            row('`users.me`, idle', meIdle, median(meIdle)),
            row(`\`users.me\`, during ${FLOOD} more \`users.me\` ${FLOOD_CONCURRENCY} at a time`, queries.probes, median(meIdle)),
            row(`\`users.me\`, during ${FLOOD} \`executions.execute\` ${FLOOD_CONCURRENCY} at a time`, starts.probes, median(meIdle)),
          ],
        },
      ],
      notes: [
        `The flood of queries: ${FLOOD} \`users.me\` in ${formatNumber(queries.ms / 1000)} s (${formatNumber(FLOOD / (queries.ms / 1000))}/s), answered ${answered(queries.statuses)}.`,
        `The flood of starts: ${FLOOD} \`executions.execute\` in ${formatNumber(starts.ms / 1000)} s (${formatNumber(FLOOD / (starts.ms / 1000))}/s), answered ${answered(starts.statuses)}; ${started200} executions created and run meanwhile (one person may start 30 a minute and run 10 at once).`,
      ],
      figures: {
        perCase,
        healthIdle,
        healthUnderNormal,
        healthUnderAttack,
        healthUnderHuge,
        meIdle,
        queryFlood: { probes: queries.probes, ms: queries.ms, statuses: Object.fromEntries(queries.statuses) },
        startFlood: { probes: starts.probes, ms: starts.ms, statuses: Object.fromEntries(starts.statuses), started: started200 },
      },
    };
  } finally {
    await server.stop();
  }
}
