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

  it('lets the schedule join a sweep under way; a person who asks meanwhile gets a sweep of their own, after it, in their name', async () => {
    const { sweep, recorded, ...deps } = fakes([SOME, SOME]);
    let release = () => {};
    sweep.mockImplementationOnce(() => new Promise((resolve) => (release = () => resolve(SOME))));
    const job = new RetentionJob(deps);
    const scheduled = job.runNow();
    const joined = job.runNow();
    const asked = job.runNow({ actorId: 8 });
    expect(joined).toBe(scheduled);
    await vi.waitFor(() => expect(sweep).toHaveBeenCalledTimes(1));
    // The person's sweep waits for the one under way.
    await new Promise((resolve) => setImmediate(resolve));
    expect(sweep).toHaveBeenCalledTimes(1);
    release();
    expect(await scheduled).toBe(SOME);
    expect(await asked).toEqual(SOME);
    expect(sweep).toHaveBeenCalledTimes(2);
    expect(recorded.map((entry) => entry.actorId)).toEqual([null, 8]);
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
