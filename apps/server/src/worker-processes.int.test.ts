import { roleScopes } from '@aae/auth';
import { createAaeClient, getExecutionEvents, type AaeClient } from '@aae/client';
import { createDatabase, type Database } from '@aae/db';
import { createProjectTestDatabase, testDatabaseKind, type TestDatabase } from '@aae/db/testing';
import { startFakeProvider, type ChatRequest, type FakeProvider } from '@aae/engine/testing';
import type { StoredEvent } from '@aae/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseServerEnv, startServerProcess, type ServerProcess } from './testing/server-process.ts';
import { collectExecutionEvents, collectExecutionOutput, type CollectedStream } from './testing/subscription.ts';
import { mutateWithCookie, signIn } from './testing/test-app.ts';

const ADMIN = { email: 'workers-admin@example.test', password: 'workers test password' };

/** What the fake provider streams for every prompt: four characters every 50 ms, about a second a prompt. */
const REPLY = 'Tides rise and fall twice a day, pulled by the moon; the sand keeps the count.';
const PROMPTS = 4;

type RoleProcess = ServerProcess & { role: 'api' | 'worker' };

/** A real server process (the bundle the global setup built), as a deployment runs it, with the role given. */
async function startRoleProcess(role: 'api' | 'worker', env: Record<string, string>): Promise<RoleProcess> {
  const server = await startServerProcess({
    entry: 'bundle',
    env: { ...baseServerEnv(), NODE_ENV: 'production', PORT: '0', ROLE: role, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, ...env },
  });
  return { ...server, role };
}

function killHard(server: ServerProcess): Promise<unknown> {
  server.child.kill('SIGKILL');
  return server.exited;
}

/** Signs in to the API process as the admin it was started with, and returns a personal access token. */
async function adminToken(url: string): Promise<string> {
  const { cookie } = await signIn(url, ADMIN.email, ADMIN.password);
  if (!cookie) throw new Error('the admin could not sign in');
  const { token } = await mutateWithCookie<{ token: string }>(url, cookie, 'tokens.create', {
    name: 'workers test',
    scopes: roleScopes('admin'),
    expiresInDays: 1,
  });
  return token;
}

/** The text of the message a prompt sent: `[P2 of run-x] …` names the prompt and the execution. */
function tagOf(request: ChatRequest): { prompt: number; run: string } | null {
  const user = request.messages.filter((message) => message.role === 'user').at(-1);
  const text = typeof user?.content === 'string' ? user.content : JSON.stringify(user?.content ?? '');
  const match = /\[P(\d) of (run-[\w-]+)\]/.exec(text);
  return match ? { prompt: Number(match[1]), run: match[2]! } : null;
}

const isTerminal = (event: StoredEvent) => event.eventType === 'execution-complete' || event.eventType === 'execution-error';
const isResumed = (event: StoredEvent) => event.eventType === 'progress' && event.eventData.message.startsWith('Resumed');
const ids = (events: StoredEvent[]) => events.map((event) => event.eventData.eventId);

// Real processes, one API and two workers, on one PostgreSQL database (PGlite belongs to one process).
describe.skipIf(testDatabaseKind() !== 'postgres')('an API process and worker processes on one PostgreSQL database', () => {
  let database: TestDatabase;
  /** The test's own view of the database, to read `worker_id` and `attempts`. */
  let db: Database;
  let provider: FakeProvider;
  let env: Record<string, string>;
  let api: RoleProcess;
  /** The workers up now: two, except for a moment after one is killed. */
  let workers: RoleProcess[] = [];
  const everyProcess: RoleProcess[] = [];
  let client: AaeClient;
  let assistantId: number;
  let promptIds: number[];

  async function startWorker(): Promise<RoleProcess> {
    const worker = await startRoleProcess('worker', env);
    everyProcess.push(worker);
    workers.push(worker);
    return worker;
  }

  /** Model calls the provider received for one execution (its `run` input), per prompt 1..4. */
  function callsOf(run: string): number[] {
    const counts = Array.from({ length: PROMPTS }, () => 0);
    for (const request of provider.chatRequests) {
      const tag = tagOf(request);
      if (tag?.run === run) counts[tag.prompt - 1]!++;
    }
    return counts;
  }

  async function start(run: string): Promise<{ executionId: number; watcher: CollectedStream }> {
    const { executionId } = await client.executions.execute.mutate({ assistantId, input: { run } });
    // Watched on the API process: the events come from the workers through the database.
    return { executionId, watcher: collectExecutionEvents(client, { executionId }) };
  }

  /** What holds for every execution however its workers fared: one stream, as stored, one start, one `execution-complete`. */
  async function expectOneCompleteStream(executionId: number, watcher: CollectedStream): Promise<StoredEvent[]> {
    await watcher.completed;
    const stored = await getExecutionEvents(client, executionId);
    expect(ids(watcher.events)).toEqual(ids(stored));
    expect(stored.map((event) => event.sequence)).toEqual(stored.map((_, index) => index + 1));
    expect(stored.filter((event) => event.eventType === 'execution-start')).toHaveLength(1);
    expect(stored.filter(isTerminal).map((event) => event.eventType)).toEqual(['execution-complete']);
    expect(stored.at(-1)!.eventType).toBe('execution-complete');
    const execution = await client.executions.get.query({ executionId });
    expect(execution.status).toBe('completed');
    expect(execution.promptResults.map((result) => result.output)).toEqual(Array.from({ length: PROMPTS }, () => REPLY));
    return stored;
  }

  /**
   * A run stopped once and resumed: the prompts it had completed (their `prompt-complete` stored
   * before the "Resumed" event) were not asked of the model again; only the one under way may have been.
   */
  function expectResumedWithoutRepeats(run: string, stored: StoredEvent[]) {
    const resumed = stored.filter(isResumed);
    expect(resumed).toHaveLength(1);
    const before = stored.filter((event) => event.sequence < resumed[0]!.sequence);
    const completedBefore = new Set(before.flatMap((event) => (event.eventType === 'prompt-complete' ? [promptIds.indexOf(event.eventData.promptId)] : [])));
    const calls = callsOf(run);
    calls.forEach((count, index) => {
      if (completedBefore.has(index)) expect(count, `P${index + 1} of ${run} completed before it stopped`).toBe(1);
      else expect(count, `P${index + 1} of ${run}`).toBeGreaterThanOrEqual(1);
      expect(count, `P${index + 1} of ${run}`).toBeLessThanOrEqual(2);
    });
    // At most the one prompt under way ran twice.
    expect(calls.filter((count) => count === 2).length).toBeLessThanOrEqual(1);
    expect(completedBefore.size).toBeLessThan(PROMPTS);
    return { resumed: resumed[0]!, completedBefore: completedBefore.size, calls };
  }

  const rowOf = (executionId: number) => db.prisma.execution.findUniqueOrThrow({ where: { id: executionId } });

  beforeAll(async () => {
    database = await createProjectTestDatabase();
    db = createDatabase({ databaseUrl: database.url! });
    provider = await startFakeProvider();
    provider.reply = () => ({ kind: 'text', text: REPLY, chunkSize: 4, chunkDelayMs: 50 });
    env = {
      DATABASE_URL: database.url!,
      MODEL_PROVIDERS: JSON.stringify([{ name: 'fake', baseURL: provider.baseURL, models: ['slow'] }]),
      RESPONSE_CACHE_TTL_MS: '0',
      WORKER_CONCURRENCY: '2',
      EXECUTION_HEARTBEAT_MS: '200',
      // Only the session locks tell a dead worker here: its lease would take a minute to go stale.
      EXECUTION_LEASE_STALE_MS: '60000',
      SHUTDOWN_DRAIN_MS: '500',
      EXECUTIONS_PER_MINUTE: '0',
      RUNNING_EXECUTIONS_PER_PERSON: '0',
      RUNNING_EXECUTIONS: '0',
      REQUESTS_PER_MINUTE_PER_ADDRESS: '0',
    };
    // The API process migrates and seeds; the workers then start on a ready database.
    api = await startRoleProcess('api', env);
    everyProcess.push(api);
    await Promise.all([startWorker(), startWorker()]);
    client = createAaeClient({ baseUrl: api.url, token: await adminToken(api.url) });
    const content = [
      '[P1 of {{run}}] Say how tides work.',
      '[P2 of {{run}}] Shorten this: {{output:Tides}}',
      '[P3 of {{run}}] Check this against the first answer: {{output:Shorter}} / {{output:Tides}}',
      '[P4 of {{run}}] Sum up: {{output:Checked}}',
    ];
    const names = ['Tides', 'Shorter', 'Checked', 'Summary'];
    const assistant = await client.assistants.create.mutate({
      name: 'Tide tables',
      visibility: 'private',
      inputVariables: [{ name: 'run', label: 'Run', type: 'text', required: true }],
      prompts: names.map((name, index) => ({ name, position: index + 1, modelId: 'fake/slow', content: content[index]! })),
    });
    assistantId = assistant.id;
    promptIds = [...assistant.prompts].sort((a, b) => a.position - b.position).map((prompt) => prompt.id);
    expect(promptIds).toHaveLength(PROMPTS);
  });

  afterAll(async () => {
    await Promise.all(everyProcess.filter((server) => server.child.exitCode === null && server.child.signalCode === null).map(killHard));
    await provider?.close();
    await db?.close();
    await database?.close();
  });

  it('runs executions started through the API on both workers; a watcher on the API process sees every event in stored order', {
    timeout: 300_000,
  }, async ({ annotate }) => {
    const runs = Array.from({ length: 6 }, (_, index) => `run-spread-${index}`);
    const started = await Promise.all(runs.map(start));
    const rows = [];
    for (const [index, { executionId, watcher }] of started.entries()) {
      const stored = await expectOneCompleteStream(executionId, watcher);
      expect(stored.filter(isResumed)).toEqual([]);
      // Each prompt asked of the model once.
      expect(callsOf(runs[index]!)).toEqual([1, 1, 1, 1]);
      rows.push(await rowOf(executionId));
    }
    const byWorker = new Map<string, number>();
    for (const row of rows) byWorker.set(row.workerId!, (byWorker.get(row.workerId!) ?? 0) + 1);
    // Both workers ran some; the API process none.
    expect(new Set(byWorker.keys())).toEqual(new Set(workers.map((worker) => worker.workerId)));
    expect(byWorker.has(api.workerId)).toBe(false);
    expect(rows.map((row) => row.attempts)).toEqual(runs.map(() => 1));
    const spread = `executions per worker: ${[...byWorker.values()].join(' and ')}`;
    console.info(spread);
    await annotate(spread);
  });

  it('resumes an execution on the other worker each time its worker is killed mid-run: no gap, no repeat, completed prompts not run again', {
    timeout: 900_000,
  }, async ({ annotate }) => {
    const random = (from: number, to: number) => from + Math.random() * (to - from);
    // Where each kill falls: a random point of a prompt's streaming, or just as a prompt completed.
    const points: Array<{ prompt: number; fraction: number } | { afterComplete: number }> = [
      { prompt: 1, fraction: random(0.05, 0.7) },
      { afterComplete: 1 },
      { prompt: 2, fraction: random(0.05, 0.7) },
      { prompt: 3, fraction: random(0.05, 0.7) },
      // Early in the last prompt, so the run is certainly not over when the kill lands.
      { prompt: 4, fraction: random(0.05, 0.25) },
    ];
    const figures: string[] = [];
    for (const [round, point] of points.entries()) {
      const run = `run-kill-${round}`;
      const { executionId, watcher } = await start(run);
      const output = collectExecutionOutput(client, { executionId });
      if ('afterComplete' in point) {
        await expect
          .poll(
            () => watcher.events.some((event) => event.eventType === 'prompt-complete' && event.eventData.promptId === promptIds[point.afterComplete - 1]),
            {
              timeout: 60_000,
            },
          )
          .toBe(true);
      } else {
        await expect
          .poll(() => output.text(promptIds[point.prompt - 1]).length, { timeout: 60_000 })
          .toBeGreaterThanOrEqual(Math.ceil(point.fraction * REPLY.length));
      }
      output.unsubscribe();
      const row = await rowOf(executionId);
      expect(row.status).toBe('running');
      const victim = workers.find((worker) => worker.workerId === row.workerId);
      expect(victim, `execution ${executionId} runs on a worker process`).toBeDefined();
      const survivor = workers.find((worker) => worker !== victim)!;
      const killedAt = Date.now();
      await killHard(victim!);
      workers = workers.filter((worker) => worker !== victim);

      // The survivor notices (the dead worker's session lock is gone) and resumes it.
      await expect.poll(() => watcher.events.some(isResumed), { timeout: 60_000 }).toBe(true);
      // A replacement, so that two workers are up for the next kill.
      const replacement = startWorker();
      const stored = await expectOneCompleteStream(executionId, watcher);
      const { resumed, completedBefore, calls } = expectResumedWithoutRepeats(run, stored);
      expect(resumed.eventType === 'progress' && resumed.eventData.message).toContain(`Resumed on worker ${survivor.workerId.slice(0, 8)}`);
      const finished = await rowOf(executionId);
      expect(finished.workerId).toBe(survivor.workerId);
      expect(finished.attempts).toBe(2);
      const detectedMs = resumed.createdAt.getTime() - killedAt;
      expect(detectedMs).toBeLessThan(10_000);
      figures.push(
        `kill ${round + 1} (${'afterComplete' in point ? `just after P${point.afterComplete} completed` : `P${point.prompt} at ${Math.round(point.fraction * 100)}%`}): resumed after ${detectedMs} ms, ${completedBefore} prompt(s) kept, calls ${calls.join('/')}`,
      );
      await replacement;
    }
    console.info(figures.join('\n'));
    await annotate(figures.join('\n'));
  });

  it('hands a worker’s executions back on SIGTERM: it exits 0, they complete on the other worker, none lost and none run twice', {
    timeout: 300_000,
  }, async ({ annotate }) => {
    const runs = Array.from({ length: 4 }, (_, index) => `run-term-${index}`);
    const started = await Promise.all(runs.map(start));
    // All four run (two on each worker) and each has completed its first prompt: well inside their runs.
    await expect
      .poll(() => started.every(({ watcher }) => watcher.events.some((event) => event.eventType === 'prompt-complete')), { timeout: 60_000 })
      .toBe(true);
    const rows = await Promise.all(started.map(({ executionId }) => rowOf(executionId)));
    expect(rows.map((row) => row.status)).toEqual(runs.map(() => 'running'));
    const victim = workers.find((worker) => rows.some((row) => row.workerId === worker.workerId))!;
    const survivor = workers.find((worker) => worker !== victim)!;
    const onVictim = started.filter((_, index) => rows[index]!.workerId === victim.workerId).map(({ executionId }) => executionId);

    const signalledAt = Date.now();
    victim.child.kill('SIGTERM');
    expect(await victim.exited).toBe(0);
    const exitedAfterMs = Date.now() - signalledAt;
    workers = workers.filter((worker) => worker !== victim);
    // Its drain (500 ms) is far shorter than what its runs had left: it handed them back.
    const stopped = /SIGTERM: stopped \((\d+) execution\(s\) finished, (\d+) handed back to the queue\)/.exec(victim.output());
    expect(stopped, victim.output()).not.toBeNull();
    expect({ finished: Number(stopped![1]), handedBack: Number(stopped![2]) }).toEqual({ finished: 0, handedBack: onVictim.length });

    const notes = [`SIGTERM: the worker exited 0 after ${exitedAfterMs} ms, handing back ${onVictim.length} execution(s)`];
    for (const [index, { executionId, watcher }] of started.entries()) {
      const stored = await expectOneCompleteStream(executionId, watcher);
      const row = await rowOf(executionId);
      // A hand-back is not an attempt.
      expect(row.attempts).toBe(1);
      if (onVictim.includes(executionId)) {
        const { calls, completedBefore } = expectResumedWithoutRepeats(runs[index]!, stored);
        expect(row.workerId).toBe(survivor.workerId);
        notes.push(`${runs[index]}: handed back after ${completedBefore} prompt(s), calls ${calls.join('/')}`);
      } else {
        expect(stored.filter(isResumed)).toEqual([]);
        expect(callsOf(runs[index]!)).toEqual([1, 1, 1, 1]);
        expect(row.workerId).toBe(survivor.workerId);
        notes.push(`${runs[index]}: finished where it ran`);
      }
    }
    console.info(notes.join('\n'));
    await annotate(notes.join('\n'));
  });
});
