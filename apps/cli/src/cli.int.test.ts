import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getExecutionEvents } from '@aae/client';
import { createGatedModel, demoAssistantIdOf, startTestApp, TEST_PASSWORD, TEST_PEOPLE, type TestApp } from '@aae/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from './exit-codes.ts';

const cliDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

type LanguageModel = ReturnType<typeof createGatedModel>['model'];

/** A held model under another id, so each test holds its own run and releases it when it wants. */
function heldModel(id: string): { model: LanguageModel; release(): void } {
  const gated = createGatedModel({ first: 'The first words, ', rest: 'then the rest.' });
  return { model: { ids: [id], generate: (request) => gated.model.generate(request) }, release: gated.release };
}

/** A model whose provider is down: every prompt on it fails. */
const brokenModel: LanguageModel = {
  ids: ['broken'],
  generate() {
    const failure = new Error('The model provider is down');
    const usage = Promise.reject(failure);
    usage.catch(() => {});
    return {
      textStream: (async function* () {
        yield* [];
        throw failure;
      })(),
      usage,
    };
  },
};

const heldForCancel = heldModel('held-cancel');
const heldForTerminal = heldModel('held-terminal');
const heldForDrop = heldModel('held-drop');
const heldForInterrupt = heldModel('held-interrupt');

let app: TestApp;
let home: string;
let demoAssistantId: number;
const assistantIds: Record<string, number> = {};

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface CliProcess {
  /** What it printed so far. */
  stdout(): string;
  result: Promise<CliResult>;
}

/** A child process with the test's configuration file, and everything it prints collected. */
function startProcess(command: string, args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): CliProcess {
  const child = spawn(command, args, {
    cwd: options.cwd ?? cliDir,
    env: { ...process.env, AAE_URL: undefined, AAE_TOKEN: undefined, AAE_PASSWORD: undefined, AAE_CONFIG: join(home, 'config.json'), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const result = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { stdout: () => stdout, result };
}

/** The command line as a real child process (`tsx src/main.ts`). */
const startAae = (args: string[], env: Record<string, string | undefined> = {}) =>
  startProcess(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { env });

const aae = (args: string[], env?: Record<string, string | undefined>) => startAae(args, env).result;

/** Signed in as the person, through the command (the configuration file the next commands read). */
async function loginAs(person: 'demo' | 'admin') {
  const result = await aae(['login', '--url', app.url, '--token', app.tokenOf(person)]);
  expect(result, result.stderr).toMatchObject({ code: 0 });
}

const ndjson = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);

/** Stored events as JSON would write them (dates as ISO strings), for comparing with NDJSON. */
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'aae-cli-'));
  app = await startTestApp({
    chunkDelayMs: 15,
    services: { models: [heldForCancel.model, heldForTerminal.model, heldForDrop.model, heldForInterrupt.model, brokenModel] },
  });
  demoAssistantId = await demoAssistantIdOf(app);
  const admin = app.client('admin');
  for (const [name, modelId] of [
    ['Cancelled', 'held-cancel'],
    ['Dropped', 'held-drop'],
    ['Broken', 'broken'],
    ['Interrupted', 'held-interrupt'],
  ] as const) {
    assistantIds[name] = (await admin.assistants.create.mutate({ name, visibility: 'shared', prompts: [{ name, position: 1, modelId, content: 'Go' }] })).id;
  }
  assistantIds.Terminal = (
    await admin.assistants.create.mutate({
      name: 'Two Steps',
      visibility: 'shared',
      inputVariables: [{ name: 'topic', label: 'Topic' }],
      prompts: [
        { name: 'Outline', position: 1, modelId: 'local', content: 'Outline {{topic}}' },
        { name: 'Draft', position: 2, modelId: 'held-terminal', content: 'Draft from {{output:Outline}}', maxOutputTokens: 10 },
      ],
    })
  ).id;
});

afterAll(async () => {
  for (const held of [heldForCancel, heldForTerminal, heldForDrop, heldForInterrupt]) held.release();
  await app?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('aae login', () => {
  it('checks a token, says who it belongs to and stores it readable by its owner only', async () => {
    const result = await aae(['login', '--url', app.url, '--token', app.tokenOf('demo')]);
    expect(result.code, result.stderr).toBe(EXIT.completed);
    expect(result.stdout).toContain(`as ${TEST_PEOPLE.demo.name} <${TEST_PEOPLE.demo.email}> (member)`);
    const file = join(home, 'config.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ url: app.url, token: app.tokenOf('demo') });

    const whoami = await aae(['whoami']);
    expect(whoami.code).toBe(EXIT.completed);
    expect(whoami.stdout).toContain(`${TEST_PEOPLE.demo.name} <${TEST_PEOPLE.demo.email}>`);
    expect(whoami.stdout).toContain('signed in with a token');
  });

  it('refuses a bad token with the denied code and keeps the login it had', async () => {
    const result = await aae(['login', '--url', app.url, '--token', 'aae_pat_not_a_real_token']);
    expect(result.code).toBe(EXIT.denied);
    expect(result.stderr).toMatch(/^aae: .+\n$/);
    expect(result.stderr).not.toContain('    at ');
    expect(JSON.parse(await readFile(join(home, 'config.json'), 'utf8'))).toMatchObject({ token: app.tokenOf('demo') });
  });

  it('signs in with a password and makes a personal token with the scopes of the role', async () => {
    const config = join(home, 'password-login.json');
    const result = await aae(['login', '--url', app.url, '--email', TEST_PEOPLE.demo.email], { AAE_CONFIG: config, AAE_PASSWORD: TEST_PASSWORD });
    expect(result.code, result.stderr).toBe(EXIT.completed);
    const { token } = JSON.parse(await readFile(config, 'utf8')) as { token: string };
    expect(token).toMatch(/^aae_pat_/);
    const tokens = await app.client('demo').users.me.query();
    expect(result.stdout).toContain(`scopes: ${tokens.scopes.join(', ')}`);

    const wrong = await aae(['login', '--url', app.url, '--email', TEST_PEOPLE.demo.email], { AAE_CONFIG: config, AAE_PASSWORD: 'not the password' });
    expect(wrong.code).toBe(EXIT.denied);
    expect(wrong.stderr).toContain('Sign-in refused');
  });

  it('says how to sign in when nobody is, and logout forgets the login', async () => {
    const config = join(home, 'logout.json');
    expect(await aae(['login', '--url', app.url, '--token', app.tokenOf('demo')], { AAE_CONFIG: config })).toMatchObject({ code: 0 });
    expect(await aae(['logout'], { AAE_CONFIG: config })).toMatchObject({ code: 0 });
    expect(existsSync(config)).toBe(false);
    const result = await aae(['assistants', 'list'], { AAE_CONFIG: config });
    expect(result.code).toBe(EXIT.denied);
    expect(result.stderr).toContain('Not signed in: run `aae login');
  });
});

describe('aae assistants, run, events, executions, export', () => {
  beforeAll(() => loginAs('demo'));

  it('lists the assistants as a table and as JSON lines', async () => {
    const table = await aae(['assistants', 'list']);
    expect(table.code, table.stderr).toBe(EXIT.completed);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+PROMPTS/);
    expect(table.stdout).toMatch(new RegExp(`^${demoAssistantId}\\s+Research Brief Writer\\s+3\\s`, 'm'));
    const json = await aae(['assistants', 'list', '--json']);
    const listed = ndjson(json.stdout) as { id: number; name: string }[];
    const expected = (await app.client('demo').assistants.list.query({ limit: 100 })).items;
    expect(listed.map((assistant) => assistant.id)).toEqual(expected.map((assistant) => assistant.id));
  });

  it("runs the demo assistant by name: exit 0, the last prompt's output on stdout, one line per event on stderr", async () => {
    const result = await aae(['run', 'research brief writer', '--input', 'topic=tidal energy', '-i', 'audience=harbour engineers']);
    expect(result.code, result.stderr).toBe(EXIT.completed);
    const executionId = Number(/Execution (\d+) of "Research Brief Writer" queued/.exec(result.stderr)?.[1]);
    const execution = await app.client('demo').executions.get.query({ executionId });
    expect(execution.status).toBe('completed');
    expect(execution.input).toEqual({ topic: 'tidal energy', audience: 'harbour engineers' });
    const assistant = await app.client('demo').assistants.get.query({ id: demoAssistantId });
    const lastPrompt = assistant.prompts.reduce((last, prompt) => (prompt.position > last.position ? prompt : last));
    const lastOutput = execution.promptResults.find((result) => result.promptId === lastPrompt.id)!.output;
    expect(lastOutput.length).toBeGreaterThan(0);
    expect(result.stdout).toBe(`${lastOutput}\n`);
    // Not a terminal: plain lines, one per stored event, in order.
    const stored = await getExecutionEvents(app.client('demo'), executionId);
    const lines = result.stderr.split('\n').filter((line) => line.startsWith('#'));
    expect(lines.map((line) => line.split(' ')[2])).toEqual(stored.map((event) => event.eventType));
    expect(lines.at(-1)).toMatch(/^#\d+ \S+ execution-complete \d+ tokens in \d+ ms$/);

    const all = await aae(['executions', 'get', String(executionId), '--all']);
    expect(all.code).toBe(EXIT.completed);
    for (const prompt of assistant.prompts) expect(all.stdout).toContain(`## ${prompt.name}\n`);
  });

  it('checks the input against the assistant before starting anything', async () => {
    const before = (await app.client('demo').executions.list.query({ limit: 100 })).items.length;
    const missing = await aae(['run', String(demoAssistantId), '-i', 'audience=anyone']);
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.stderr).toBe('aae: "Research Brief Writer": missing required input "topic" (Topic). It takes: topic, audience?\n');
    const unknown = await aae(['run', String(demoAssistantId), '-i', 'topic=x', '-i', 'tone=dry']);
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.stderr).toContain('unknown input "tone"');
    const malformed = await aae(['run', String(demoAssistantId), '-i', 'topic']);
    expect(malformed.code).toBe(EXIT.usage);
    expect(malformed.stderr).toContain('--input "topic" has no "="');
    const nobody = await aae(['run', 'No Such Assistant', '-i', 'topic=x']);
    expect(nobody.code).toBe(EXIT.notFound);
    expect(nobody.stderr).toContain('No assistant named "No Such Assistant"; you can run: ');
    const usage = await aae(['run']);
    expect(usage.code).toBe(EXIT.usage);
    expect(usage.stderr).toContain("missing required argument 'assistant'");
    expect((await app.client('demo').executions.list.query({ limit: 100 })).items.length).toBe(before);
  });

  it('exits 1 when the execution fails, naming the error', async () => {
    const result = await aae(['run', 'Broken']);
    expect(result.code).toBe(EXIT.failed);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/Execution \d+ failed: .*The model provider is down/);
  });

  it('exits 3 when the execution is cancelled while it is watched (with `aae cancel`)', async () => {
    const watching = startAae(['run', 'Cancelled', '--json']);
    await expect.poll(() => watching.stdout(), { timeout: 60_000 }).toContain('"prompt-start"');
    const executionId = (ndjson(watching.stdout())[0] as { executionId: number }).executionId;
    const cancelled = await aae(['cancel', String(executionId)]);
    expect(cancelled.code, cancelled.stderr).toBe(EXIT.completed);
    const result = await watching.result;
    expect(result.code).toBe(EXIT.cancelled);
    expect(result.stderr).toContain(`Execution ${executionId} was cancelled by ${TEST_PEOPLE.demo.name}`);
    expect((ndjson(result.stdout).at(-1) as { eventType: string }).eventType).toBe('execution-error');
    const again = await aae(['cancel', String(executionId)]);
    expect(again.code).toBe(EXIT.usage);
    expect(again.stderr).toContain('has already finished');
  });

  it('refuses a bad token with the denied code, and names an unreachable server', async () => {
    const denied = await aae(['assistants', 'list'], { AAE_URL: app.url, AAE_TOKEN: 'aae_pat_revoked_or_made_up' });
    expect(denied.code).toBe(EXIT.denied);
    expect(denied.stderr).toMatch(/^aae: .+\n$/);
    const otherPerson = await aae(['events', '999999']);
    expect(otherPerson.code).toBe(EXIT.notFound);
    const unreachable = await aae(['assistants', 'list'], { AAE_URL: 'http://127.0.0.1:9', AAE_TOKEN: 'aae_pat_x' });
    expect(unreachable.code).toBe(EXIT.unreachable);
    expect(unreachable.stderr).toBe('aae: The server at http://127.0.0.1:9 is not reachable\n');
  });

  it("prints an execution's events as events.list returns them, and filters them by type", async () => {
    const { executionId } = await app.client('demo').executions.execute.mutate({ assistantId: demoAssistantId, input: { topic: 'kelp farming' } });
    expect(await aae(['watch', String(executionId)])).toMatchObject({ code: EXIT.completed });
    const stored = await getExecutionEvents(app.client('demo'), executionId);
    const json = await aae(['events', String(executionId), '--json']);
    expect(json.code).toBe(EXIT.completed);
    expect(ndjson(json.stdout)).toEqual(asJson(stored));
    const completes = await aae(['events', String(executionId), '--type', 'prompt-complete', '--type', 'execution-complete', '--json']);
    expect(ndjson(completes.stdout)).toEqual(
      asJson(stored.filter((event) => event.eventType === 'prompt-complete' || event.eventType === 'execution-complete')),
    );
    const badType = await aae(['events', String(executionId), '--type', 'prompt-done']);
    expect(badType.code).toBe(EXIT.usage);
    expect(badType.stderr).toContain('"prompt-done" is not an event type; the types are execution-start');
  });

  it('lists the history with its filters, a page at a time', async () => {
    const demo = app.client('demo');
    const failed = await aae(['executions', 'list', '--status', 'failed', '--json', '--all']);
    expect(failed.code, failed.stderr).toBe(EXIT.completed);
    const expected = await demo.executions.list.query({ status: 'failed', limit: 100 });
    expect(ndjson(failed.stdout)).toEqual(asJson(expected.items));
    expect(expected.items.length).toBeGreaterThanOrEqual(2);

    const byAssistant = await aae(['executions', 'list', '--assistant', 'Research Brief', '--sort', 'tokens', '--order', 'asc', '--json']);
    const expectedByAssistant = await demo.executions.list.query({ assistantName: 'Research Brief', sort: 'tokens', order: 'asc' });
    expect(ndjson(byAssistant.stdout)).toEqual(asJson(expectedByAssistant.items));

    // An admin (through AAE_URL and AAE_TOKEN, over the stored login) sees one person's runs, within a time window.
    const asAdmin = { AAE_URL: app.url, AAE_TOKEN: app.tokenOf('admin') };
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const byUser = await aae(['executions', 'list', '--user', TEST_PEOPLE.demo.name, '--from', from, '--to', to, '--all', '--json'], asAdmin);
    expect(byUser.code, byUser.stderr).toBe(EXIT.completed);
    const expectedByUser = await app
      .client('admin')
      .executions.list.query({ userName: TEST_PEOPLE.demo.name, from: new Date(from), to: new Date(to), limit: 100 });
    expect(expectedByUser.items.length).toBeGreaterThan(2);
    expect(ndjson(byUser.stdout)).toEqual(asJson(expectedByUser.items));

    const firstPage = await aae(['executions', 'list', '--limit', '1']);
    expect(firstPage.stdout.split('\n')[0]).toMatch(/^ID\s+STATUS\s+ASSISTANT\s+USER\s+CREATED\s+DURATION\s+TOKENS$/);
    expect(firstPage.stdout.trim().split('\n')).toHaveLength(2);
    const cursor = /More: --cursor (\S+)/.exec(firstPage.stderr)?.[1];
    expect(cursor).toBeDefined();
    const secondPage = await aae(['executions', 'list', '--limit', '1', '--cursor', cursor!, '--json']);
    const expectedSecond = await demo.executions.list.query({ limit: 1, cursor });
    expect(ndjson(secondPage.stdout)).toEqual(asJson(expectedSecond.items));

    const badStatus = await aae(['executions', 'list', '--status', 'done']);
    expect(badStatus).toMatchObject({ code: EXIT.usage, stderr: 'aae: --status "done" is not one of pending, running, completed, failed\n' });
    const badDate = await aae(['executions', 'list', '--from', 'yesterday']);
    expect(badDate.code).toBe(EXIT.usage);
    expect(badDate.stderr).toContain('--from "yesterday" is not a date');
  });

  it('exports to a file exactly what the export route serves', async () => {
    const headers = { authorization: `Bearer ${app.tokenOf('demo')}` };
    const { executionId } = await app.client('demo').executions.execute.mutate({ assistantId: demoAssistantId, input: { topic: 'estuaries' } });
    await expect.poll(async () => (await app.client('demo').executions.get.query({ executionId })).status, { timeout: 60_000 }).toBe('completed');
    const latest = { id: executionId };
    const csvFile = join(home, 'events.csv');
    const csv = await aae(['export', 'events', '--execution', String(latest.id), '--format', 'csv', '--out', csvFile]);
    expect(csv.code, csv.stderr).toBe(EXIT.completed);
    const served = await (await fetch(`${app.url}/api/executions/${latest.id}/events.csv`, { headers })).text();
    expect(served.split('\n').length).toBeGreaterThan(5);
    expect(await readFile(csvFile, 'utf8')).toBe(served);

    const ndjsonFile = join(home, 'completed.ndjson');
    const history = await aae(['export', 'executions', '--status', 'completed', '--assistant', 'Research Brief', '--out', ndjsonFile]);
    expect(history.code, history.stderr).toBe(EXIT.completed);
    const servedHistory = await (await fetch(`${app.url}/api/executions.ndjson?status=completed&assistantName=Research+Brief`, { headers })).text();
    expect(await readFile(ndjsonFile, 'utf8')).toBe(servedHistory);

    // Through the repository's `pnpm aae` from another folder: arguments pass through, `--out` is the caller's.
    const viaPnpm = await startProcess(
      'pnpm',
      ['-s', '-C', repoRoot, 'aae', 'export', 'events', '--execution', String(latest.id), '--format', 'csv', '--out', 'relative.csv'],
      {
        cwd: home,
      },
    ).result;
    expect(viaPnpm.code, viaPnpm.stderr).toBe(EXIT.completed);
    expect(await readFile(join(home, 'relative.csv'), 'utf8')).toBe(served);

    const refused = await aae(['export', 'events', '--execution', '999999', '--out', join(home, 'none.json')]);
    expect(refused.code).toBe(EXIT.notFound);
    expect(existsSync(join(home, 'none.json'))).toBe(false);
    const nowhere = await aae(['export', 'executions', '--out', join(home, 'missing-folder', 'x.ndjson')]);
    expect(nowhere).toMatchObject({
      code: EXIT.usage,
      stderr: `aae: Cannot write into ${join(home, 'missing-folder')}: it does not exist or is not writable\n`,
    });
    const badFormat = await aae(['export', 'events', '--format', 'xml', '--out', join(home, 'x.xml')]);
    expect(badFormat.code).toBe(EXIT.usage);
    expect(badFormat.stderr).toContain('Allowed choices are ndjson, json, csv');
  });

  it('watch resumes after its connection drops: every event once, none missing', async () => {
    const { executionId } = await app.client('demo').executions.execute.mutate({ assistantId: assistantIds.Dropped!, input: {} });
    const streams: string[] = [];
    const onRequest = (req: IncomingMessage) => {
      if (req.url?.startsWith('/trpc/events.onExecutionEvent')) streams.push(req.url);
    };
    app.http.server.on('request', onRequest);
    try {
      const watching = startAae(['watch', String(executionId), '--json']);
      await expect.poll(() => watching.stdout(), { timeout: 60_000 }).toContain('"prompt-start"');
      // Every open connection cut, the watcher's stream among them; then the run goes on.
      app.http.server.closeAllConnections();
      heldForDrop.release();
      const result = await watching.result;
      expect(result.code, result.stderr).toBe(EXIT.completed);
      const stored = await getExecutionEvents(app.client('demo'), executionId);
      expect(stored.at(-1)!.eventType).toBe('execution-complete');
      expect(ndjson(result.stdout)).toEqual(asJson(stored));
      // It did reconnect, from the last event it had.
      expect(streams.length).toBeGreaterThanOrEqual(2);
      expect(decodeURIComponent(streams.at(-1)!)).toContain(`evt_${executionId}_`);
    } finally {
      app.http.server.off('request', onRequest);
    }
  });
});

describe('aae run in a terminal', () => {
  beforeAll(() => loginAs('demo'));

  /** A tmux session of its own, 120×40, running one command; its screen and scrollback as text. */
  async function inTmux(command: string) {
    const name = `aae-cli-${process.pid}-${Date.now()}`;
    const tmux = (...args: string[]) =>
      new Promise<string>((resolve, reject) => {
        const child = spawn('tmux', args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
        });
        child.once('error', reject);
        child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`tmux ${args[0]} exited ${code}`))));
      });
    await tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '40', command);
    await tmux('set-option', '-t', name, 'remain-on-exit', 'on');
    return {
      screen: () => tmux('capture-pane', '-p', '-t', name, '-S', '-100'),
      keys: (...keys: string[]) => tmux('send-keys', '-t', name, ...keys),
      kill: () => tmux('kill-session', '-t', name).catch(() => ''),
    };
  }

  it('draws a bar per prompt while the run goes on, then the output, and exits 0', async () => {
    const exitFile = join(home, 'tmux-exit');
    const env = `AAE_CONFIG=${join(home, 'config.json')}`;
    const terminal = await inTmux(
      `cd ${cliDir} && ${env} ${process.execPath} --import tsx src/main.ts run 'Two Steps' -i 'topic=river deltas'; echo "exit=$?" > ${exitFile}`,
    );
    try {
      // Mid-run: the first prompt done, the second held after its first words ("The first words, ":
      // ~5 tokens of its limit of 10, so half of the writing stage from 15% to 95%).
      await expect.poll(() => terminal.screen(), { timeout: 90_000 }).toMatch(/2\. Draft\s+\|█{17}░{13}\|\s+55% writing, ~5 of at most 10 tokens/);
      const running = await terminal.screen();
      expect(running).toMatch(/1\. Outline\s+\|█{30}\|\s*100% \d+ tokens, \d+\.\d s/);
      expect(running).toMatch(/Execution\s+\|█{15}░{15}\|\s+50% 1\/2 prompts/);
      heldForTerminal.release();
      await expect.poll(() => existsSync(exitFile), { timeout: 90_000 }).toBe(true);
      expect(await readFile(exitFile, 'utf8')).toBe('exit=0\n');
      const done = await terminal.screen();
      expect(done).toMatch(/2\. Draft\s+\|█{30}\|\s*100% 7 tokens/);
      expect(done).toMatch(/Execution\s+\|█{30}\|\s*100% completed, \d+ tokens in \d+\.\d s/);
      expect(done).toContain('The first words, then the rest.');
    } finally {
      await terminal.kill();
    }
  });

  it('stops watching on Ctrl-C with exit 130 and leaves the run going', async () => {
    const exitFile = join(home, 'tmux-interrupt-exit');
    const terminal = await inTmux(
      `cd ${cliDir} && AAE_CONFIG=${join(home, 'config.json')} ${process.execPath} --import tsx src/main.ts run Interrupted; echo "exit=$?" > ${exitFile}`,
    );
    try {
      await expect.poll(() => terminal.screen(), { timeout: 90_000 }).toMatch(/1\. Interrupted\s+\|█*░+\|\s+\d+% writing/);
      const executionId = Number(/Execution (\d+) of "Interrupted" queued/.exec(await terminal.screen())?.[1]);
      await terminal.keys('C-c');
      await expect.poll(() => existsSync(exitFile), { timeout: 60_000 }).toBe(true);
      expect(await readFile(exitFile, 'utf8')).toBe('exit=130\n');
      expect(await terminal.screen()).toContain(`Stopped watching execution ${executionId}; it goes on on the server.`);
      expect((await app.client('demo').executions.get.query({ executionId })).status).toBe('running');
      heldForInterrupt.release();
      await expect.poll(async () => (await app.client('demo').executions.get.query({ executionId })).status, { timeout: 60_000 }).toBe('completed');
    } finally {
      await terminal.kill();
    }
  });
});

describe('the bundled binary', () => {
  beforeAll(() => loginAs('demo'));

  it('builds into one file with no dependencies that npm installs as the `aae` command', async () => {
    const run = (command: string, args: string[], options: { cwd?: string } = {}) => startProcess(command, args, options).result;
    const build = await run(process.execPath, ['build.mjs']);
    expect(build.code, build.stderr).toBe(0);
    const bundle = join(cliDir, 'dist', 'aae.js');
    expect((await readFile(bundle, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(JSON.parse(await readFile(join(cliDir, 'dist', 'package.json'), 'utf8'))).toMatchObject({ bin: { aae: 'aae.js' } });
    expect(JSON.parse(await readFile(join(cliDir, 'dist', 'package.json'), 'utf8')).dependencies).toBeUndefined();

    const prefix = join(home, 'global');
    const install = await run('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', '--offline', join(cliDir, 'dist')]);
    expect(install.code, install.stderr).toBe(0);
    const result = await run(join(prefix, 'bin', 'aae'), ['assistants', 'list'], { cwd: home });
    expect(result.code, result.stderr).toBe(EXIT.completed);
    expect(result.stdout).toMatch(/Research Brief Writer/);
  });
});
