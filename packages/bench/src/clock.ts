import { performance } from 'node:perf_hooks';

/** Milliseconds since the epoch with sub-millisecond resolution, comparable across processes after calibration. */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

export interface ClockOffset {
  /** Add to a local time to get the remote process's clock; subtract from a remote time to get local. */
  offsetMs: number;
  /** Half the shortest round trip: how far off the offset can be. */
  uncertaintyMs: number;
}

/**
 * Each process derives its wall clock from its own start time, so two processes can disagree
 * by a fraction of a millisecond or more; the quickest of several ping-pongs pins the difference.
 */
export async function measureClockOffset(remoteNow: () => Promise<number>, samples = 50): Promise<ClockOffset> {
  let best = { roundTripMs: Number.POSITIVE_INFINITY, offsetMs: 0 };
  for (let sample = 0; sample < samples; sample++) {
    const sent = wallClockMs();
    const remote = await remoteNow();
    const received = wallClockMs();
    if (received - sent < best.roundTripMs) best = { roundTripMs: received - sent, offsetMs: remote - (sent + received) / 2 };
  }
  return { offsetMs: best.offsetMs, uncertaintyMs: best.roundTripMs / 2 };
}
