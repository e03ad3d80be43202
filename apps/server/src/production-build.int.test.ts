import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAaeClient, getExecutionEvents, type AaeClient } from '@aae/client';
import { repoRoot } from '@aae/db/migrations';
import { testDatabaseKind, testPostgresUrl } from '@aae/db/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textPdf } from '@aae/runtime/testing';
import { buildServer, type ServerBuild } from '../build.ts';
import { baseServerEnv, serverArgs, serverDir, startServerProcess, type ServerProcess } from './testing/server-process.ts';
import { collectExecutionEvents } from './testing/subscription.ts';
import { mutateWithCookie, signIn } from './testing/test-app.ts';

const ADMIN = { email: 'production-admin@example.test', password: 'production build password' };
const webIndex = path.join(repoRoot, 'apps', 'web', 'dist', 'index.html');
const manifest = JSON.parse(readFileSync(path.join(serverDir, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};

/** An empty database of the project's kind, which the bundle must migrate itself: a new PGlite folder, or a new database in the test cluster. */
async function emptyDatabase(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (testDatabaseKind() === 'pglite') {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'aae-production-'));
    return { env: { DATA_DIR: dataDir }, drop: () => rm(dataDir, { recursive: true, force: true }) };
  }
  const clusterUrl = testPostgresUrl();
  const name = `aae_production_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: clusterUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(clusterUrl);
  url.pathname = `/${name}`;
  return { env: { DATABASE_URL: url.toString() }, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

describe('the production build', () => {
  let built: ServerBuild;
  let database: Awaited<ReturnType<typeof emptyDatabase>>;
  let server: ServerProcess;
  let client: AaeClient;

  beforeAll(async () => {
    built = await buildServer();
    database = await emptyDatabase();
    server = await startServerProcess({
      entry: 'bundle',
      // No NODE_OPTIONS from the test runner: nothing can register a TypeScript loader.
      env: {
        ...baseServerEnv(),
        ...database.env,
        NODE_ENV: 'production',
        PORT: '0',
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        LOCAL_MODEL_CHUNK_DELAY_MS: '0',
      },
    });
  });

  afterAll(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await database?.drop();
  });

  it('bundles the workspace’s TypeScript, generated Prisma client included, and leaves only declared packages external', () => {
    expect(built.outfile).toBe(path.join(serverDir, 'dist', 'main.js'));
    expect(built.inputs).toContain('src/main.ts');
    expect(built.inputs).toContain('../../packages/db/src/generated/prisma/client.ts');
    expect(built.inputs.some((input) => input.startsWith('../../packages/runtime/src/'))).toBe(true);
    // Nothing from node_modules inside the bundle, and no workspace package left to load as TypeScript.
    expect(built.inputs.filter((input) => input.includes('node_modules'))).toEqual([]);
    expect(built.externalPackages.filter((name) => name.startsWith('@aae/'))).toEqual([]);
    expect(built.externalPackages.filter((name) => !(name in manifest.dependencies))).toEqual([]);
    expect(built.externalPackages).not.toContain('tsx');
    expect(built.externalPackages).not.toContain('esbuild');
    expect(built.workerFiles).toEqual([path.join(serverDir, 'dist', 'pdf-text-worker.js')]);
    expect(built.inputs).toContain('../../packages/runtime/src/pdf-text-worker.js');
  });

  it('is what `pnpm start` runs, on plain Node: no TypeScript compiler at run time', () => {
    expect(manifest.scripts.start).toBe(`NODE_ENV=\${NODE_ENV:-production} node ${serverArgs.bundle.join(' ')}`);
    expect(manifest.dependencies).not.toHaveProperty('tsx');
    expect(manifest.dependencies).not.toHaveProperty('esbuild');
    // Node 20 refuses to load a .ts file without a loader, and the process got none: it runs JavaScript only.
    expect(readFileSync(`/proc/${server.child.pid}/environ`, 'utf8').split('\0')).not.toContainEqual(expect.stringMatching(/^NODE_OPTIONS=/));
    expect(readFileSync(`/proc/${server.child.pid}/cmdline`, 'utf8').split('\0').filter(Boolean)).toEqual([process.execPath, ...serverArgs.bundle]);
    const sourceMap = JSON.parse(readFileSync(`${built.outfile}.map`, 'utf8')) as { sources: string[] };
    expect(sourceMap.sources).toContain('../src/main.ts');
  });

  it('migrates the empty database from the bundle’s folder and answers /healthz', async () => {
    expect(server.output()).toMatch(/\[db\] applied \d+ migration\(s\): \d+_init/);
    await expect.poll(async () => (await fetch(`${server.url}/healthz`)).status).toBe(200);
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { ok: boolean; role: string };
    expect(health).toMatchObject({ ok: true, role: 'all' });
  });

  it('signs in the admin from ADMIN_EMAIL over plain HTTP in production mode and runs the demo assistant to completion', async () => {
    const { cookie } = await signIn(server.url, ADMIN.email, ADMIN.password);
    expect(cookie).toMatch(/^aae\.session_token=/);
    const { token } = await mutateWithCookie<{ token: string }>(server.url, cookie!, 'tokens.create', {
      name: 'production build test',
      scopes: ['executions:read', 'executions:write', 'assistants:read', 'assistants:write'],
      expiresInDays: 1,
    });
    client = createAaeClient({ baseUrl: server.url, token });
    const demo = (await client.assistants.list.query()).items.find((assistant) => assistant.name === 'Research Brief Writer');
    expect(demo).toBeDefined();
    const { executionId } = await client.executions.execute.mutate({ assistantId: demo!.id, input: { topic: 'tide pools', audience: 'visitors' } });
    const watcher = collectExecutionEvents(client, { executionId });
    await watcher.completed;
    const stored = await getExecutionEvents(client, executionId);
    expect(watcher.events.map((event) => event.eventData.eventId)).toEqual(stored.map((event) => event.eventData.eventId));
    expect(stored[0]!.eventType).toBe('execution-start');
    expect(stored.at(-1)!.eventType).toBe('execution-complete');
    const execution = await client.executions.get.query({ executionId });
    expect(execution.status).toBe('completed');
    expect(execution.promptResults).toHaveLength(3);
    expect(execution.promptResults.every((result) => result.output.length > 0)).toBe(true);
  });

  it('reads a PDF in its worker thread, started from the bundle’s folder, and refuses a damaged one without dying', async () => {
    const { id: repositoryId } = await client.knowledge.repositories.create.mutate({ name: 'Production PDFs' });
    const pdf = (pages: Uint8Array) => ({ title: 'Tides', mediaType: 'application/pdf' as const, content: Buffer.from(pages).toString('base64') });
    const { documents } = await client.knowledge.documents.add.mutate({ repositoryId, documents: [pdf(textPdf([['Spring tides follow the full moon.']]))] });
    expect(documents).toHaveLength(1);
    const damaged = Buffer.from(textPdf([['a'], ['b']]))
      .toString('latin1')
      .replace('4 0 obj\n<<', '4 0 obj\n~<')
      .replace('6 0 obj\n', '6 0 obj\xf1');
    await expect(client.knowledge.documents.add.mutate({ repositoryId, documents: [pdf(Buffer.from(damaged, 'latin1'))] })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
      message: expect.stringMatching(/^Invalid input: documents\.0\.content: /),
    });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  // The web app is built by `pnpm start` and the browser project; a bare test run may not have it.
  it.skipIf(!existsSync(webIndex))('serves the built web app from its default folder, client routes included', async () => {
    for (const route of ['/', '/setup']) {
      const response = await fetch(`${server.url}${route}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await response.text()).toBe(readFileSync(webIndex, 'utf8'));
    }
  });

  it('maps a stack trace back to the TypeScript source', async () => {
    // A data directory that is a file: opening the database throws from packages/db/src/client.ts.
    const notAFolder = path.join(await mkdtemp(path.join(tmpdir(), 'aae-production-')), 'file');
    await writeFile(notAFolder, '');
    try {
      const failed = startServerProcess({ entry: 'bundle', env: { ...baseServerEnv(), NODE_ENV: 'production', PORT: '0', DATA_DIR: notAFolder } });
      await expect(failed).rejects.toThrow(/exited \(1\) before it started/);
      const message = await failed.catch((error: Error) => error.message);
      expect(message).toMatch(/at createPgliteDatabase \(.*packages\/db\/src\/client\.ts:\d+:\d+\)/);
    } finally {
      await rm(path.dirname(notAFolder), { recursive: true, force: true });
    }
  });

  it('exits 0 on SIGTERM', async () => {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).toMatch(/SIGTERM: stopped \(\d+ execution\(s\) finished, 0 handed back to the queue\)/);
  });
});
