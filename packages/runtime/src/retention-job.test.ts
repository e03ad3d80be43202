import type { AuditEntry, AuditLog, RetentionStore, RetentionSweepResult } from '@aae/db';
import { describe, expect, it, vi } from 'vitest';
import { RetentionJob } from './retention-job.ts';

const NOTHING: RetentionSweepResult = { executions: 0, events: 0, batches: 0, byPolicy: [] };
const SOME: RetentionSweepResult = {
  executions: 3,
  events: 30,
  batches: 1,
  byPolicy: [{ policyId: 1, assistantId: null, keepDays: 7, executions: 3, events: 30 }],
};

function fakes(results: RetentionSweepResult[]) {
  const recorded: AuditEntry[] = [];
  const sweep = vi.fn(async () => results.shift() ?? NOTHING);
  const retention = { sweep } as unknown as RetentionStore;
  const audit = { record: async (entry: AuditEntry) => void recorded.push(entry) } as unknown as AuditLog;
  const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  return { retention, audit, logger, sweep, recorded };
}

describe('RetentionJob', () => {
  it('sweeps soon after start and then on its schedule, keeps running totals, and audits only sweeps that deleted something', async () => {
    const { sweep, recorded, logger, ...deps } = fakes([SOME, NOTHING, SOME]);
    const job = new RetentionJob({ ...deps, logger, sweepMs: 20, firstSweepMs: 0, batchSize: 50 });
    job.start();
    await vi.waitFor(() => expect(job.getStats().sweeps).toBeGreaterThanOrEqual(3), { timeout: 10_000 });
    await job.stop();
    expect(sweep).toHaveBeenCalledWith(expect.objectContaining({ batchSize: 50 }));
    expect(job.getStats()).toMatchObject({ executionsDeleted: 6, eventsDeleted: 60, failures: 0 });
    expect(recorded).toHaveLength(2);
    expect(recorded[0]).toMatchObject({
      action: 'retention-swept',
      actorId: null,
      details: { executions: 3, events: 30, policies: [{ assistantId: null, keepDays: 7, executions: 3, events: 30 }] },
    });
    expect(logger.info).toHaveBeenCalledTimes(2);
  });

  it('joins a sweep under way instead of starting a second, and names who asked for it', async () => {
    const { sweep, recorded, ...deps } = fakes([SOME]);
    const job = new RetentionJob(deps);
    const [first, second] = await Promise.all([job.runNow({ actorId: 7 }), job.runNow({ actorId: 8 })]);
    expect(first).toBe(second);
    expect(sweep).toHaveBeenCalledTimes(1);
    expect(recorded).toMatchObject([{ actorId: 7 }]);
  });

  it('counts a failed sweep, logs it on the schedule and goes on', async () => {
    const { sweep, logger, ...deps } = fakes([]);
    sweep.mockRejectedValueOnce(new Error('database gone'));
    const job = new RetentionJob({ ...deps, logger, sweepMs: 20, firstSweepMs: 0 });
    job.start();
    await vi.waitFor(() => expect(job.getStats().sweeps).toBeGreaterThanOrEqual(1), { timeout: 10_000 });
    await job.stop();
    expect(job.getStats().failures).toBe(1);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('database gone'));
  });
});
