import { getExecutionEvents } from '@aae/client';
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAssistantIdOf, startTestApp, type TestApp } from './testing/test-app.ts';

const TOKEN = 'metrics-test-token-0123456789';

/** Reads and parses `/metrics`; fails on anything but a 200 in Prometheus's text format. */
async function scrape(url: string, headers: Record<string, string> = {}): Promise<PrometheusFamily[]> {
  const response = await fetch(`${url}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusTextFormat(await response.text());
}

function family(families: PrometheusFamily[], name: string): PrometheusFamily {
  const found = families.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no metric ${name} in: ${families.map((f) => f.name).join(', ')}`);
  return found;
}

/** The value of an unlabelled metric, or of the sample with these labels. */
function sampleValue(families: PrometheusFamily[], name: string, labels: Record<string, string> = {}): number {
  const sample = family(families, name).metrics.find((metric) => Object.entries(labels).every(([key, value]) => metric.labels?.[key] === value));
  if (sample?.value === undefined) throw new Error(`no sample of ${name} with ${JSON.stringify(labels)}`);
  return Number(sample.value);
}

function histogramCount(families: PrometheusFamily[], name: string): number {
  return Number(family(families, name).metrics[0]?.count ?? Number.NaN);
}

describe('GET /metrics', () => {
  let app: TestApp;
  beforeAll(async () => {
    // The relayed requests below would warn about X-Forwarded-For: expected here.
    app = await startTestApp({ warn: () => {} });
  });
  afterAll(() => app.stop());

  it('is Prometheus text with every family typed and described, the product’s and Node’s own under aae_', async () => {
    const families = await scrape(app.url);
    for (const { name, help, type } of families) {
      expect(name).toMatch(/^aae_[a-z0-9_]+$/);
      expect(help.length, name).toBeGreaterThan(0);
      expect(['COUNTER', 'GAUGE', 'HISTOGRAM', 'SUMMARY'], name).toContain(type);
    }
    const types = Object.fromEntries(families.map(({ name, type }) => [name, type]));
    expect(types).toMatchObject({
      aae_http_open_connections: 'GAUGE',
      aae_live_streams_open: 'GAUGE',
      aae_live_watchers: 'GAUGE',
      aae_live_events_delivered_total: 'COUNTER',
      aae_events_written_total: 'COUNTER',
      aae_event_write_buffer_pending: 'GAUGE',
      aae_event_write_retries_total: 'COUNTER',
      aae_events_not_stored_total: 'COUNTER',
      aae_event_writes_failing: 'GAUGE',
      aae_execution_queue_depth: 'GAUGE',
      aae_execution_queue_wait_seconds: 'HISTOGRAM',
      aae_executions: 'GAUGE',
      aae_worker_claimed_total: 'COUNTER',
      aae_retention_executions_deleted_total: 'COUNTER',
      aae_retention_events_deleted_total: 'COUNTER',
      aae_document_imports_running: 'GAUGE',
      aae_process_cpu_user_seconds_total: 'COUNTER',
    });
    // NOTIFY's queue exists on a PostgreSQL server only.
    expect('aae_pg_notification_queue_usage' in types).toBe(app.database.kind === 'postgres');
    if (app.database.kind === 'postgres') expect(sampleValue(families, 'aae_pg_notification_queue_usage')).toBeGreaterThanOrEqual(0);
    expect(sampleValue(families, 'aae_http_open_connections')).toBeGreaterThanOrEqual(1);
    expect(sampleValue(families, 'aae_event_writes_failing')).toBe(0);
  });

  it('moves with an execution: events written by exactly the stored events, statuses, queue waits, deliveries', async () => {
    const before = await scrape(app.url);
    const completedBefore = sampleValue(before, 'aae_executions', { status: 'completed' });
    const client = app.client('demo');
    const { executionId } = await client.executions.execute.mutate({ assistantId: await demoAssistantIdOf(app), input: { topic: 'tidal energy' } });
    await expect.poll(async () => (await client.executions.get.query({ executionId })).status).toBe('completed');
    const stored = await getExecutionEvents(client, executionId);
    expect(stored.length).toBeGreaterThan(5);

    await expect
      .poll(async () => sampleValue(await scrape(app.url), 'aae_events_written_total'))
      .toBe(sampleValue(before, 'aae_events_written_total') + stored.length);
    // The database figures are cached for a few seconds.
    await expect.poll(async () => sampleValue(await scrape(app.url), 'aae_executions', { status: 'completed' })).toBe(completedBefore + 1);
    const after = await scrape(app.url);
    expect(histogramCount(after, 'aae_execution_queue_wait_seconds')).toBe(histogramCount(before, 'aae_execution_queue_wait_seconds') + 1);
    expect(sampleValue(after, 'aae_worker_claimed_total')).toBe(sampleValue(before, 'aae_worker_claimed_total') + 1);
    expect(sampleValue(after, 'aae_events_not_stored_total')).toBe(0);
    expect(sampleValue(after, 'aae_event_write_buffer_pending')).toBe(0);

    // Nothing names an execution, a person or an assistant: no such label, no id as a label value.
    for (const { name, metrics } of after) {
      for (const { labels = {} } of metrics) {
        for (const [label, value] of Object.entries(labels)) {
          expect(label, name).not.toMatch(/execution|user|assistant|person|id$/i);
          if (name.startsWith('aae_executions')) expect(['pending', 'running', 'completed', 'failed']).toContain(value);
          expect(value, `${name}{${label}}`).not.toBe(String(executionId));
        }
      }
    }
  });

  it('counts events delivered to a live watcher', async () => {
    const before = sampleValue(await scrape(app.url), 'aae_live_events_delivered_total');
    const client = app.client('demo');
    const { executionId } = await client.executions.execute.mutate({ assistantId: await demoAssistantIdOf(app), input: { topic: 'kelp' } });
    await expect.poll(async () => (await client.executions.get.query({ executionId })).status).toBe('completed');
    // The seed's endpoint replays the whole history to a late watcher, through the fan-out core.
    const stream = await fetch(`${app.url}/api/assistant-architect/events/${executionId}`, { headers: { authorization: `Bearer ${app.tokenOf('demo')}` } });
    expect(stream.status).toBe(200);
    await stream.text();
    const stored = await getExecutionEvents(client, executionId);
    expect(sampleValue(await scrape(app.url), 'aae_live_events_delivered_total')).toBe(before + stored.length);
  });

  it('answers only loopback peers that no proxy relays while METRICS_TOKEN is unset, and GET only', async () => {
    const relayed = await fetch(`${app.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(relayed.status).toBe(403);
    expect(((await relayed.json()) as { error: string }).error).toContain('METRICS_TOKEN');
    const posted = await fetch(`${app.url}/metrics`, { method: 'POST' });
    expect(posted.status).toBe(405);
  });
});

describe('GET /metrics on a server people reach through PUBLIC_URL', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ identity: { publicUrl: 'https://events.example.com' }, seedPeople: false, warn: () => {} });
  });
  afterAll(() => app.stop());

  it('refuses even a loopback peer without METRICS_TOKEN: a proxy may relay the internet without saying so', async () => {
    const response = await fetch(`${app.url}/metrics`);
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: string }).error).toMatch(/reached through https:\/\/events\.example\.com.*METRICS_TOKEN/);
    // Health stays open: probes need no token.
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ metricsToken: TOKEN, seedPeople: false, warn: () => {} });
  });
  afterAll(() => app.stop());

  it('needs the token as a bearer token, from anywhere', async () => {
    const missing = await fetch(`${app.url}/metrics`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toContain('Bearer');
    expect(((await missing.json()) as { error: string }).error).toContain('Authorization: Bearer <METRICS_TOKEN>');
    const wrong = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: string }).error).toBe('The bearer token is not METRICS_TOKEN');
    const families = await scrape(app.url, { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '203.0.113.9' });
    expect(sampleValue(families, 'aae_events_written_total')).toBeGreaterThanOrEqual(0);
  });
});
