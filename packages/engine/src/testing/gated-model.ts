import { deferred } from '@aae/events';
import type { LanguageModel } from '../model.ts';

/**
 * A model (id `gated`) that writes its first words, then holds the rest until the test calls
 * `release()`: a run that is certainly still going while the test does something to it.
 */
export function createGatedModel(words: { first?: string; rest?: string } = {}): { model: LanguageModel; release(): void } {
  const gate = deferred<void>();
  const model: LanguageModel = {
    ids: ['gated'],
    generate(request) {
      const stopped = new Promise<void>((resolve) => request.signal?.addEventListener('abort', () => resolve(), { once: true }));
      const finished = Promise.race([gate.promise, stopped]);
      return {
        textStream: (async function* () {
          yield words.first ?? 'The first words, ';
          await finished;
          request.signal?.throwIfAborted();
          yield words.rest ?? 'then the rest.';
        })(),
        usage: finished.then(() => ({ inputTokens: 3, outputTokens: 7 })),
      };
    },
  };
  return { model, release: () => gate.resolve() };
}
