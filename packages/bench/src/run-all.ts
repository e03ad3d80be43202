import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { runEmitHotPath } from './emit-hot-path.ts';
import { runEventWriteThroughput } from './event-write-throughput.ts';
import { runExecutionQueue } from './execution-queue.ts';
import { runHistory } from './history.ts';
import { runHostileInput } from './hostile-input.ts';
import { runLiveDeliveryLatency } from './live-delivery-latency.ts';
import { runLiveDeliveryScale } from './live-delivery-scale.ts';
import { runRetention } from './retention.ts';
import { runServerStart } from './server-start.ts';
import { describeMachine, resultToMarkdown, type BenchmarkResult } from './report.ts';

const benchmarks: Record<string, () => Promise<BenchmarkResult>> = {
  'event-write-throughput': runEventWriteThroughput,
  'emit-hot-path': runEmitHotPath,
  'live-delivery-latency': runLiveDeliveryLatency,
  'hostile-input': runHostileInput,
  'live-delivery-scale': runLiveDeliveryScale,
  'execution-queue': runExecutionQueue,
  history: runHistory,
  retention: runRetention,
  'server-start': runServerStart,
};

// `pnpm bench <name>…` runs only those, for working on one benchmark.
const selected = process.argv.slice(2).filter((arg) => arg !== '--');
const unknown = selected.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Known: ${Object.keys(benchmarks).join(', ')}`);
  process.exit(2);
}

const machine = describeMachine();
console.log(
  `# Benchmarks\n\n${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}, ${machine.date}, load average ${machine.loadAverage.toFixed(2)}\n`,
);
const results: BenchmarkResult[] = [];
const failures: Array<{ name: string; error: string }> = [];
const started = performance.now();
for (const [name, run] of Object.entries(benchmarks)) {
  if (selected.length > 0 && !selected.includes(name)) continue;
  const benchmarkStarted = performance.now();
  try {
    const result = await run();
    results.push(result);
    console.log(`${resultToMarkdown(result)}\n\n_${name} took ${((performance.now() - benchmarkStarted) / 1000).toFixed(1)} s_\n`);
  } catch (error) {
    // One broken benchmark should not hide the others' figures.
    console.error(`${name} failed:`, error);
    failures.push({ name, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
}
console.log(`_all benchmarks took ${((performance.now() - started) / 1000).toFixed(1)} s; load average at the end ${loadavg()[0]?.toFixed(2)}_`);

const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
writeFileSync(`${resultsDir}latest.json`, `${JSON.stringify({ command: 'pnpm bench', machine, results, failures }, null, 2)}\n`);
if (failures.length > 0) process.exitCode = 1;
