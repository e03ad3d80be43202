import type { EventDraft } from '@aae/events';

/** A valid `progress` event, step `step` of `total`: the event an execution emits most often. */
export function progressDraft(step: number, total: number): EventDraft {
  return {
    eventType: 'progress',
    eventData: { currentStep: step, totalSteps: total, percentage: Math.min(100, (step / total) * 100), message: `Step ${step} of ${total}` },
  };
}
