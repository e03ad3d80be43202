import { performance } from 'node:perf_hooks';
import { createEventRecorder, createEventStore, EventWriteBuffer } from '@aae/db';
import { createTestDatabase } from '@aae/db/testing';
import type { EventDraft } from '@aae/events';
import { createBenchExecutions } from './bench-executions.ts';
import { promptCompleteDraft } from './prompt-complete-draft.ts';
import type { BenchmarkResult } from './report.ts';
import { formatNumber, formatRatio, max, median, percentile } from './stats.ts';

const ROUNDS = 20;
const EVENTS_PER_ROUND = 1_000;
const REPETITIONS = 3;

/**
 * Times ROUNDS synchronous loops of `emit`, yielding to the event loop between them as a
 * running execution does (it awaits its model), so background writes proceed meanwhile.
 * Returns microseconds per event for each round.
 */
async function timeRounds(emit: (draft: EventDraft) => void): Promise<number[]> {
  const perEventUs: number[] = [];
  let index = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    for (let event = 0; event < EVENTS_PER_ROUND; event++) emit(promptCompleteDraft(index++));
    perEventUs.push(((performance.now() - start) * 1_000) / EVENTS_PER_ROUND);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return perEventUs;
}

export async function runEmitHotPath(): Promise<BenchmarkResult> {
  const database = await createTestDatabase('pglite');
  try {
    // One execution per repetition, so each recorder starts its sequence afresh.
    const executionIds = await createBenchExecutions(database, REPETITIONS + 1);
    const store = createEventStore(database.prisma, { query: database.query });
    const batchWriteMs: number[] = [];
    const buffer = new EventWriteBuffer({
      async write(batch) {
        const start = performance.now();
        const stored = await store.insertEvents(batch);
        batchWriteMs.push(performance.now() - start);
        return stored;
      },
      onCommitted: () => {},
    });

    const product: number[] = [];
    const baseline: number[] = [];
    let emitted = 0;
    let kept = 0;
    // The first repetition warms the JIT and the database and is not counted.
    for (let repetition = 0; repetition <= REPETITIONS; repetition++) {
      const recorder = createEventRecorder({ executionId: executionIds[repetition]!, enqueue: (event) => buffer.enqueue(event) });
      const sink: EventDraft[] = [];
      const productRounds = await timeRounds((draft) => recorder.emit(draft));
      const baselineRounds = await timeRounds((draft) => sink.push(draft));
      emitted += ROUNDS * EVENTS_PER_ROUND;
      kept += sink.length;
      if (repetition > 0) {
        product.push(...productRounds);
        baseline.push(...baselineRounds);
      }
    }
    await buffer.flush();
    const stats = buffer.getStats();
    if (stats.written !== emitted || stats.failed > 0 || kept !== emitted) {
      throw new Error(`expected ${emitted} events stored and kept, got ${stats.written} stored (${stats.failed} failed), ${kept} kept`);
    }

    const productMedian = median(product);
    const baselineMedian = median(baseline);
    const us = (value: number) => formatNumber(value, value < 1 ? 3 : 2);
    return {
      name: 'emit-hot-path',
      title: 'what an execution pays per emitted event, synchronously, with a real database writing behind it',
      tables: [
        {
          caption: `µs per event (${REPETITIONS} × ${ROUNDS} rounds of ${formatNumber(EVENTS_PER_ROUND, 0)} emits; median and p95 over rounds)`,
          columns: ['path', 'median', 'p95', 'worst round', 'vs baseline (median)'],
          rows: [
            [
              'product: recorder.emit → EventWriteBuffer.enqueue (PGlite behind it)',
              us(productMedian),
              us(percentile(product, 95)),
              us(max(product)),
              formatRatio(productMedian / baselineMedian),
            ],
            ['baseline: array.push(draft)', us(baselineMedian), us(percentile(baseline, 95)), us(max(baseline)), '1.00×'],
          ],
        },
        {
          caption: 'Meanwhile, in the background',
          columns: ['events written', 'batches', 'batch write, median (ms)', 'batch write, max (ms)', 'failed'],
          rows: [
            [
              formatNumber(stats.written, 0),
              formatNumber(batchWriteMs.length, 0),
              formatNumber(median(batchWriteMs), 1),
              formatNumber(max(batchWriteMs), 1),
              String(stats.failed),
            ],
          ],
        },
      ],
      notes: [
        `An emit costs ${us(productMedian)} µs (${formatRatio(productMedian / baselineMedian)} an array push): stamping and zod validation, never a database wait — the batch writes behind it took ${formatNumber(median(batchWriteMs), 1)} ms each.`,
      ],
      figures: {
        rounds: ROUNDS,
        eventsPerRound: EVENTS_PER_ROUND,
        repetitions: REPETITIONS,
        productUsPerEvent: { median: productMedian, p95: percentile(product, 95), max: max(product) },
        baselineUsPerEvent: { median: baselineMedian, p95: percentile(baseline, 95), max: max(baseline) },
        batchWriteMs: { count: batchWriteMs.length, median: median(batchWriteMs), max: max(batchWriteMs) },
      },
    };
  } finally {
    await database.close();
  }
}
