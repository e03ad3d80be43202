import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDatabase } from '@aae/db';
import { deployMigrations } from '@aae/db/migrations';
import { createProjectTestDatabase, testDatabaseKind } from '@aae/db/testing';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from './app.ts';
import { SchemaMismatchError } from './health.ts';
import { baseServerEnv, serverArgs, serverDir } from './testing/server-process.ts';
import { demoAssistantIdOf, startTestApp, type TestApp } from './testing/test-app.ts';

interface Readiness {
  ok: boolean;
  ready: boolean;
  checks: Record<'database' | 'migrations' | 'schema' | 'writes', string>;
  problems: string[];
}

interface Liveness {
  ok: boolean;
  alive: boolean;
  role: string;
  writes: string;
  problem?: string;
}

async function get<T>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as T };
}

/** The seed's rollback, as its document gives it. */
const SEED_ROLLBACK = ['DROP TABLE IF EXISTS assistant_architect_events', 'DROP TYPE IF EXISTS assistant_event_type'];

describe('/healthz and /readyz', () => {
  let app: TestApp;
  beforeAll(async () => {
    // Writes refused below are logged loudly, as they should be; not into the test output.
    app = await startTestApp({ warn: () => {}, error: () => {} });
  });
  afterAll(() => app.stop({ handBack: true }));

  it('are both fine on a fresh app', async () => {
    const health = await get<Liveness>(`${app.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ ok: true, alive: true, role: 'all', writes: 'ok' });
    const ready = await get<Readiness>(`${app.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ ok: true, ready: true, problems: [], checks: { database: 'ok', migrations: 'ok', schema: 'ok', writes: 'ok' } });
  });

  it('is not ready while a migration is not applied or failed part-way, and ready again once it is', async () => {
    const [latest] = await app.database.query<{ migration_name: string }>('SELECT max(migration_name) AS migration_name FROM _prisma_migrations', []);
    const name = latest!.migration_name;
    await app.database.query('UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = $1', [name]);
    await expect.poll(async () => (await get<Readiness>(`${app.url}/readyz`)).status).toBe(503);
    const pending = await get<Readiness>(`${app.url}/readyz`);
    expect(pending.body.checks.migrations).toBe(`migration(s) not applied: ${name}; run \`pnpm db:deploy\` (a server start applies them too)`);
    expect(pending.body.problems).toEqual([pending.body.checks.migrations]);

    await app.database.query('UPDATE _prisma_migrations SET rolled_back_at = NULL, finished_at = NULL WHERE migration_name = $1', [name]);
    await expect.poll(async () => (await get<Readiness>(`${app.url}/readyz`)).body.checks.migrations).toContain(`migration(s) ${name} failed part-way`);

    await app.database.query('UPDATE _prisma_migrations SET finished_at = now() WHERE migration_name = $1', [name]);
    await expect.poll(async () => (await get<Readiness>(`${app.url}/readyz`)).status).toBe(200);
  });

  it('says so when event writes fail, and recovers once they succeed', async () => {
    await app.database.query(
      `CREATE FUNCTION refuse_events() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'events refused by the health test'; END $$`,
      [],
    );
    await app.database.query(
      'CREATE TRIGGER refuse_events BEFORE INSERT ON assistant_architect_events FOR EACH STATEMENT EXECUTE FUNCTION refuse_events()',
      [],
    );
    const client = app.client('demo');
    const { executionId } = await client.executions.execute.mutate({ assistantId: await demoAssistantIdOf(app), input: { topic: 'refused writes' } });

    await expect.poll(async () => (await get<Liveness>(`${app.url}/healthz`)).body.writes).toBe('failing');
    const health = await get<Liveness>(`${app.url}/healthz`);
    // Alive (a restart would not help), but not well, and why.
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ ok: false, alive: true });
    expect(health.body.problem).toContain('events refused by the health test');
    expect(health.body.problem).toContain('events are NOT being stored');
    const ready = await get<Readiness>(`${app.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toMatchObject({ database: 'ok', migrations: 'ok', schema: 'ok' });
    expect(ready.body.problems).toEqual([health.body.problem]);
    const metrics = parsePrometheusTextFormat(await (await fetch(`${app.url}/metrics`)).text());
    expect(metrics.find((family) => family.name === 'aae_event_writes_failing')?.metrics[0]?.value).toBe('1');

    // The run ends (its terminal event refused, it is left to be resumed) and nothing else claims
    // or writes: the repair must be noticed without a next event.
    app.services.runner.pause();
    await expect.poll(() => app.services.runner.isRunning(executionId), { timeout: 120_000 }).toBe(false);
    await app.services.buffer.settled();
    expect((await get<Readiness>(`${app.url}/readyz`)).status).toBe(503);
    const eventsBefore = app.services.buffer.getStats().written;
    await app.database.query('DROP TRIGGER refuse_events ON assistant_architect_events', []);
    await expect.poll(async () => (await get<Readiness>(`${app.url}/readyz`)).status).toBe(200);
    expect(app.services.buffer.getStats().written).toBe(eventsBefore);
    expect((await get<Liveness>(`${app.url}/healthz`)).body).toMatchObject({ ok: true, writes: 'ok' });
    app.services.runner.resume();
    await app.services.runner.waitFor(executionId);
  });

  it('is not ready while a trigger the migrations made is disabled, naming it and what it keeps', async () => {
    await app.database.query('ALTER TABLE assistant_architect_events DISABLE TRIGGER assistant_architect_events_webhooks', []);
    await expect.poll(async () => (await get<Readiness>(`${app.url}/readyz`)).status).toBe(503);
    expect((await get<Readiness>(`${app.url}/readyz`)).body.checks.schema).toContain(
      'trigger assistant_architect_events_webhooks on assistant_architect_events is disabled (it keeps the webhook outbox)',
    );
    await app.database.query('ALTER TABLE assistant_architect_events ENABLE TRIGGER assistant_architect_events_webhooks', []);
    await expect.poll(async () => (await get<Readiness>(`${app.url}/readyz`)).status).toBe(200);
  });

  it('is not ready after the seed’s rollback drops the events table, naming it and the way back', async () => {
    for (const statement of SEED_ROLLBACK) await app.database.query(statement, []);
    await expect.poll(async () => (await get<Readiness>(`${app.url}/readyz`)).status).toBe(503);
    const ready = await get<Readiness>(`${app.url}/readyz`);
    expect(ready.body.checks.schema).toContain('table assistant_architect_events (model AssistantArchitectEvent) is missing');
    expect(ready.body.checks.schema).toContain('restore the database from a backup');
    expect(ready.body.checks.migrations).toBe('ok');
    expect(ready.body.problems).toContain(ready.body.checks.schema);
    // Still alive: the process answers.
    expect((await get<Liveness>(`${app.url}/healthz`)).status).toBe(200);
  });
});

describe('a start on a database whose events table was dropped', () => {
  it('is refused by a process that runs executions, and an API process starts but is not ready', async () => {
    const database = await createProjectTestDatabase();
    for (const statement of SEED_ROLLBACK) await database.query(statement, []);
    for (const role of ['all', 'worker'] as const) {
      const start = startApp({ role, database, port: 0, logger: { info: () => {}, warn: () => {}, error: () => {} } });
      await expect(start).rejects.toBeInstanceOf(SchemaMismatchError);
      await expect(start).rejects.toThrow(/table assistant_architect_events \(model AssistantArchitectEvent\) is missing.*pnpm db:deploy/);
    }
    const logged: string[] = [];
    const api = await startApp({ role: 'api', database, port: 0, logger: { info: () => {}, warn: () => {}, error: (line: string) => logged.push(line) } });
    try {
      expect(logged.join('\n')).toContain('assistant_architect_events');
      const ready = await get<Readiness>(`${api.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(ready.body.checks.schema).toContain('assistant_architect_events');
    } finally {
      await api.stop();
    }
  });
});

describe('the server process (`pnpm start`) on a database whose events table was dropped', () => {
  it('exits at once with the table and the way back, instead of serving and losing every event', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'aae-health-'));
    let env: Record<string, string>;
    let cleanUp: () => Promise<void>;
    if (testDatabaseKind() === 'postgres') {
      const database = await createProjectTestDatabase();
      for (const statement of SEED_ROLLBACK) await database.query(statement, []);
      env = { DATABASE_URL: database.url! };
      cleanUp = () => database.close();
    } else {
      // The embedded database belongs to one process: prepared here, closed before the server opens it.
      const database = createDatabase({ dataDir });
      await deployMigrations(database.adapterFactory);
      for (const statement of SEED_ROLLBACK) await database.query(statement, []);
      await database.close();
      env = { DATA_DIR: dataDir };
      cleanUp = async () => {};
    }
    try {
      // The production bundle, as `pnpm start` runs it (built by the projects' global setup).
      const child = spawn(process.execPath, serverArgs.bundle, {
        cwd: serverDir,
        env: { ...baseServerEnv(), NODE_ENV: 'production', PORT: '0', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      // A server that starts anyway would serve forever: stopped, and the assertions below fail.
      const guard = setTimeout(() => child.kill('SIGKILL'), 100_000);
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve)).finally(() => clearTimeout(guard));
      expect(code, output).toBe(1);
      expect(output).toContain('Not starting: The database does not match the schema this server needs: table assistant_architect_events');
      expect(output).toContain('`pnpm db:deploy` will not recreate it');
      expect(output).not.toContain('is running at');
    } finally {
      await cleanUp();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a worker process (ROLE=worker)', () => {
  let worker: TestApp;
  beforeAll(async () => {
    worker = await startTestApp({ role: 'worker', seedPeople: false });
  });
  afterAll(() => worker.stop());

  it('serves /healthz, /readyz and /metrics, and nothing of the API', async () => {
    expect(await get<Liveness>(`${worker.url}/healthz`)).toMatchObject({ status: 200, body: { ok: true, role: 'worker' } });
    expect(await get<Readiness>(`${worker.url}/readyz`)).toMatchObject({ status: 200, body: { ready: true } });
    const metrics = await fetch(`${worker.url}/metrics`);
    expect(metrics.status).toBe(200);
    const names = parsePrometheusTextFormat(await metrics.text()).map((family) => family.name);
    expect(names).toEqual(
      expect.arrayContaining(['aae_worker_concurrency', 'aae_execution_queue_depth', 'aae_retention_sweeps_total', 'aae_events_written_total']),
    );
    // A worker writes no SSE streams.
    expect(names).not.toContain('aae_live_streams_open');
    expect((await fetch(`${worker.url}/trpc/users.me`)).status).toBe(404);
  });
});
