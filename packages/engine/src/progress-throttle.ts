/**
 * Lets `progress` events through at a bounded rate: at most one per `intervalMs`, except the
 * first and the last step (percentage 100), which always pass.
 */
export function createProgressThrottle(intervalMs: number, now: () => number = () => performance.now()) {
  let last = Number.NEGATIVE_INFINITY;
  return {
    shouldEmit(currentStep: number, totalSteps: number): boolean {
      const time = now();
      if (currentStep >= totalSteps || currentStep <= 1 || time - last >= intervalMs) {
        last = time;
        return true;
      }
      return false;
    },
  };
}
