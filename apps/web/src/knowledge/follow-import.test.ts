import { describe, expect, it } from 'vitest';
import { followImport, type ImportSource, type ImportView } from './follow-import.ts';

const view = (status: ImportView['status']) => ({ id: 'imp_1', status }) as ImportView;

/** A subscription the test drives by hand, and reads answered from a list. */
function source(reads: Array<ImportView | Error>) {
  const handlers: Parameters<ImportSource['subscribe']>[1][] = [];
  let unsubscribed = 0;
  let readCount = 0;
  const fake: ImportSource = {
    subscribe(_importId, given) {
      handlers.push(given);
      return { unsubscribe: () => void unsubscribed++ };
    },
    async get() {
      const next = reads[readCount++] ?? new Error('no more answers');
      if (next instanceof Error) throw next;
      return next;
    },
  };
  return {
    fake,
    get handlers() {
      return handlers[0]!;
    },
    get unsubscribed() {
      return unsubscribed;
    },
    get reads() {
      return readCount;
    },
  };
}

describe('followImport', () => {
  it('shows each state from the subscription until it completes', async () => {
    const s = source([]);
    const shown: string[] = [];
    const following = followImport(s.fake, 'imp_1', (v) => shown.push(v.status), new AbortController().signal, 0);
    s.handlers.onData(view('running'));
    s.handlers.onData(view('completed'));
    s.handlers.onComplete();
    await expect(following).resolves.toEqual({ outcome: 'ended' });
    expect(shown).toEqual(['running', 'completed']);
  });

  it('reads the import instead when the subscription fails, until it ends', async () => {
    const s = source([view('running'), view('running'), view('completed')]);
    const shown: string[] = [];
    const following = followImport(s.fake, 'imp_1', (v) => shown.push(v.status), new AbortController().signal, 0);
    s.handlers.onError(new Error('connection lost'));
    await expect(following).resolves.toEqual({ outcome: 'ended' });
    expect(shown).toEqual(['running', 'running', 'completed']);
  });

  it('calls the outcome unknown, not failed, when reading it fails too', async () => {
    const s = source([new Error('network down')]);
    const following = followImport(s.fake, 'imp_1', () => {}, new AbortController().signal, 0);
    s.handlers.onError(new Error('connection lost'));
    await expect(following).resolves.toMatchObject({ outcome: 'unknown', error: new Error('network down') });
  });

  it('stops following, subscription closed, when the page is left', async () => {
    const s = source([]);
    const left = new AbortController();
    const following = followImport(s.fake, 'imp_1', () => {}, left.signal, 0);
    left.abort();
    await expect(following).resolves.toEqual({ outcome: 'stopped' });
    expect(s.unsubscribed).toBe(1);
    const stopped = followImport(s.fake, 'imp_1', () => {}, left.signal, 0);
    await expect(stopped).resolves.toEqual({ outcome: 'stopped' });
    expect(s.reads).toBe(0);
  });
});
