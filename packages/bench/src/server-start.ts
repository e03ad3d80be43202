/**
 * How long the server takes to start: the production bundle on plain Node (`pnpm start`) against
 * the TypeScript source through tsx (what `pnpm start` ran before), alternating, on the embedded
 * database, fresh (migrations and demo seeding included) and already migrated.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { buildServer } from '@aae/server/build';
import { baseServerEnv, serverArgs, serverDir, startServerProcess, type ServerEntry, type ServerProcess } from '@aae/server/testing/server-process';
import { envNumber } from './env-settings.ts';
import { describeMachine, resultToMarkdown, type BenchmarkResult, type ResultTable } from './report.ts';
import { formatNumber, formatRatio, max, median } from './stats.ts';

/** Starts of each kind per database state. */
const ROUNDS = envNumber('SERVER_START_ROUNDS', 5);
/** Loads of the code alone of each kind (cheap: no database). */
const LOAD_ROUNDS = envNumber('SERVER_LOAD_ROUNDS', 10);
const HEALTH_POLL_MS = 20;

type DatabaseState = 'fresh' | 'migrated';

interface StartSample {
  entry: ServerEntry;
  state: DatabaseState;
  /** Spawn to the "is running at" line. */
  runningLineMs: number;
  /** Spawn to the first 200 from /healthz. */
  healthyMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A loopback port nobody listens on now, so /healthz can be polled from the moment of the spawn. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function stop(server: ServerProcess): Promise<void> {
  server.child.kill('SIGTERM');
  const code = await server.exited;
  if (code !== 0) throw new Error(`the server exited ${code} on SIGTERM:\n${server.output()}`);
}

async function timeStart(entry: ServerEntry, state: DatabaseState, dataDir: string): Promise<StartSample> {
  const port = await freePort();
  const env = { ...baseServerEnv(), NODE_ENV: 'production', PORT: String(port), DATA_DIR: dataDir };
  const spawnedAt = performance.now();
  let healthyMs: number | undefined;
  let polling = true;
  const poll = (async () => {
    while (polling) {
      const status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (response) => response.status,
        () => 0,
      );
      if (status === 200) {
        healthyMs = performance.now() - spawnedAt;
        return;
      }
      await sleep(HEALTH_POLL_MS);
    }
  })();
  let server: ServerProcess | undefined;
  try {
    server = await startServerProcess({ entry, env });
    const runningLineMs = performance.now() - spawnedAt;
    await poll;
    return { entry, state, runningLineMs, healthyMs: healthyMs! };
  } finally {
    polling = false;
    if (server) await stop(server);
  }
}

/**
 * Spawn to exit of a process that loads all the server's code and stops at the configuration check
 * (a bad PORT): what the bundle changes, without the database work both kinds share.
 */
function timeLoad(entry: ServerEntry): Promise<number> {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, serverArgs[entry], {
    cwd: serverDir,
    env: { ...baseServerEnv(), NODE_ENV: 'production', PORT: 'none' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const ms = performance.now() - spawnedAt;
      // It must have got as far as reading the configuration: every module loaded.
      if (code === 1 && stderr.includes('Invalid configuration: PORT')) resolve(ms);
      else reject(new Error(`the ${entry} load run exited ${code}:\n${stderr}`));
    });
  });
}

function loadTable(loads: Record<ServerEntry, number[]>): ResultTable {
  const row = (entry: ServerEntry, label: string) => [
    label,
    formatNumber(median(loads[entry]), 0),
    formatNumber(Math.min(...loads[entry]), 0),
    formatNumber(max(loads[entry]), 0),
  ];
  return {
    caption: `Loading the code alone: spawn to exit at the configuration check, ms (${LOAD_ROUNDS} of each, alternating)`,
    columns: ['how the server runs', 'median', 'min', 'max'],
    rows: [
      row('source', 'source (tsx src/main.ts)'),
      row('bundle', 'bundle (node dist/main.js)'),
      ['source ÷ bundle', formatRatio(median(loads.source) / median(loads.bundle)), '', ''],
    ],
  };
}

function summaryTable(samples: StartSample[]): ResultTable {
  const rows: string[][] = [];
  for (const state of ['fresh', 'migrated'] as const) {
    const of = (entry: ServerEntry) => samples.filter((sample) => sample.state === state && sample.entry === entry);
    const line = (entry: ServerEntry) => of(entry).map((sample) => sample.runningLineMs);
    const healthy = (entry: ServerEntry) => of(entry).map((sample) => sample.healthyMs);
    for (const entry of ['source', 'bundle'] as const) {
      rows.push([
        `${state}, ${entry === 'bundle' ? 'bundle (node dist/main.js)' : 'source (tsx src/main.ts)'}`,
        formatNumber(median(healthy(entry)), 0),
        formatNumber(Math.min(...healthy(entry)), 0),
        formatNumber(max(healthy(entry)), 0),
        formatNumber(median(line(entry)), 0),
      ]);
    }
    rows.push([
      `${state}: source ÷ bundle`,
      formatRatio(median(healthy('source')) / median(healthy('bundle'))),
      '',
      '',
      formatRatio(median(line('source')) / median(line('bundle'))),
    ]);
  }
  return {
    caption: `Spawn to ready, ms (${ROUNDS} starts of each kind per state, alternating)`,
    columns: ['database, how the server runs', 'median to /healthz 200', 'min', 'max', 'median to "is running at"'],
    rows,
  };
}

export async function runServerStart(): Promise<BenchmarkResult> {
  const built = await buildServer();
  const loadBefore = loadavg();
  const workDir = await mkdtemp(path.join(tmpdir(), 'aae-bench-start-'));
  const samples: StartSample[] = [];
  const loads: Record<ServerEntry, number[]> = { bundle: [], source: [] };
  // tsx's compile cache warmed, as any second `tsx` start finds it.
  await timeLoad('source');
  for (let round = 0; round < LOAD_ROUNDS; round++) {
    for (const entry of round % 2 === 0 ? (['bundle', 'source'] as const) : (['source', 'bundle'] as const)) loads[entry].push(await timeLoad(entry));
  }
  console.error(`[server-start] code load medians: source ${formatNumber(median(loads.source), 0)} ms, bundle ${formatNumber(median(loads.bundle), 0)} ms`);
  try {
    // One data directory migrated and seeded once, then restarted on by both kinds in turn.
    const migratedDir = path.join(workDir, 'migrated');
    await timeStart('bundle', 'fresh', migratedDir);
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating, and each kind going first in turn, so a drift in the machine's load hits both alike.
      const order: ServerEntry[] = round % 2 === 0 ? ['bundle', 'source'] : ['source', 'bundle'];
      for (const entry of order) {
        samples.push(await timeStart(entry, 'fresh', path.join(workDir, `fresh-${round}-${entry}`)));
        samples.push(await timeStart(entry, 'migrated', migratedDir));
        const last = samples.slice(-2);
        console.error(
          `[server-start] round ${round + 1} ${entry}: ${last.map((sample) => `${sample.state} ${formatNumber(sample.healthyMs, 0)} ms`).join(', ')}`,
        );
      }
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  const loadAfter = loadavg();
  const ratio = (state: DatabaseState) =>
    median(samples.filter((s) => s.state === state && s.entry === 'source').map((s) => s.healthyMs)) /
    median(samples.filter((s) => s.state === state && s.entry === 'bundle').map((s) => s.healthyMs));
  return {
    name: 'server-start',
    title: 'start time of the production bundle on plain Node against the TypeScript source through tsx',
    tables: [loadTable(loads), summaryTable(samples)],
    notes: [
      `Each start is a new process with NODE_ENV=production on the embedded database (PGlite): "fresh" is an empty data directory (every migration applied, the demo assistants seeded), "migrated" one that an earlier start left ready. Ready is the first 200 from \`/healthz\`, polled every ${HEALTH_POLL_MS} ms from the spawn; each server then stops on SIGTERM and must exit 0.`,
      `The bundle is \`${path.relative(process.cwd(), built.outfile)}\` (${built.inputs.length} source files, built just before); the source start is \`node --import tsx src/main.ts\`, which loads esbuild and compiles the workspace's files as they are imported (from tsx's cache after the first start; one uncounted run warmed it).`,
      `Loading the code alone (first table) is what the build changes; a whole start adds the database's work, the same for both kinds: opening PGlite, applying migrations on a fresh database, seeding. On a loaded machine those dominate and vary the most.`,
      `Source ÷ bundle, median against median: ${formatRatio(ratio('fresh'))} on a fresh database, ${formatRatio(ratio('migrated'))} on a migrated one (above 1: the bundle is ready sooner).`,
      `Load average (1/5/15 min): ${loadBefore.map((value) => value.toFixed(2)).join(' / ')} before, ${loadAfter.map((value) => value.toFixed(2)).join(' / ')} after.`,
    ],
    figures: { rounds: ROUNDS, loadRounds: LOAD_ROUNDS, loads, samples, loadBefore, loadAfter },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const machine = describeMachine();
  console.log(`${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}, ${machine.date}, load average ${machine.loadAverage.toFixed(2)}\n`);
  console.log(resultToMarkdown(await runServerStart()));
}
