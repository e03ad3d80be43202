import type { EventDraft, EventDraftPayload } from '@aae/events';

/** A valid `prompt-complete` payload, as the engine emits after each prompt, varied a little by `n`. */
export function promptCompletePayload(n: number): EventDraftPayload<'prompt-complete'> {
  return { promptId: (n % 3) + 1, outputTokens: 200 + (n % 97), duration: 1_000 + n, cached: n % 5 === 0 };
}

export function promptCompleteDraft(n: number): EventDraft {
  return { eventType: 'prompt-complete', eventData: promptCompletePayload(n) };
}
