/**
 * One worker process for the execution-queue benchmark: the product's worker role
 * (`startApp({ role: 'worker' })`, as `ROLE=worker` starts it) against the run's database. It
 * claims queued executions, runs them on the built-in `local` model and sweeps for executions
 * whose worker died. The bench reads its stats over IPC and may SIGKILL it.
 */
import { startApp, type RunningApp } from '@aae/server';
import { reportStartFailure, serveParent } from './child-server.ts';

function workerMethods(app: RunningApp) {
  const { runner } = app.services;
  return {
    workerId: (): string => runner.workerId,
    pid: (): number => process.pid,
    stats: () => runner.getStats(),
    cpu(): number {
      const usage = process.cpuUsage();
      return usage.user + usage.system;
    },
    async stop(): Promise<void> {
      await app.stop({ handBack: true });
    },
  };
}

export type ExecutionQueueWorkerMethods = ReturnType<typeof workerMethods>;

async function main() {
  const [databaseUrl, concurrency, chunkDelayMs, sweepMs] = process.argv.slice(2);
  if (!databaseUrl || !concurrency || !chunkDelayMs || !sweepMs) {
    throw new Error('usage: execution-queue-worker.ts <database url> <concurrency> <local model chunk delay ms> <sweep ms>');
  }
  const app = await startApp({
    role: 'worker',
    databaseUrl,
    port: 0,
    seedFieldGuide: false,
    localModelChunkDelayMs: Number(chunkDelayMs),
    services: {
      // Every benchmark execution sends the same prompt: cached answers would skip the model.
      responseCache: false,
      usageLimits: { executionsPerMinute: 0, runningPerPerson: 0, runningInAll: 0 },
      runner: { concurrency: Number(concurrency), sweepMs: Number(sweepMs) },
    },
    // Recovery warnings (a worker died, its executions queued again) are part of what is measured.
    logger: { info: () => {}, warn: console.warn, error: console.error },
  });
  serveParent(app.url, workerMethods(app));
}

main().catch(reportStartFailure);
