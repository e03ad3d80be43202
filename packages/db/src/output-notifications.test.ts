import { describe, expect, it } from 'vitest';
import { decodeOutputNotification, encodeOutputNotifications, outputEndsOf, type OutputBatch } from './output-notifications.ts';

const batch = (pieces: OutputBatch['pieces'], ends: Partial<Pick<OutputBatch, 'promptsEnded' | 'executionEnded'>> = {}): OutputBatch => ({
  executionId: 42,
  pieces,
  promptsEnded: ends.promptsEnded ?? [],
  executionEnded: ends.executionEnded ?? false,
});

/** Each prompt's text, rejoined from the payloads in the order they were sent; each piece must start where the text so far ends. */
function rejoin(payloads: readonly string[], from: ReadonlyMap<number, string> = new Map()): Map<number, string> {
  const text = new Map(from);
  for (const payload of payloads) {
    for (const [promptId, offset, piece] of decodeOutputNotification(payload)!.pieces) {
      expect(offset).toBe(text.get(promptId)?.length ?? 0);
      text.set(promptId, (text.get(promptId) ?? '') + piece);
    }
  }
  return text;
}

/** Whether a string has no lone surrogate (encoding it to UTF-8 and back changes nothing). */
const wellFormed = (text: string) => Buffer.from(text, 'utf8').toString('utf8') === text;

describe('output NOTIFY payloads', () => {
  it('name the process, the execution and each prompt, and decode to what was encoded', () => {
    const payloads = encodeOutputNotifications(
      'p1',
      batch(
        [
          { promptId: 7, offset: 12, text: 'Tides ' },
          { promptId: 8, offset: 0, text: 'rise.' },
        ],
        { promptsEnded: [7] },
      ),
    );
    expect(payloads).toHaveLength(1);
    expect(decodeOutputNotification(payloads[0]!)).toEqual({
      process: 'p1',
      executionId: 42,
      pieces: [
        [7, 12, 'Tides '],
        [8, 0, 'rise.'],
      ],
      promptsEnded: [7],
    });
  });

  it('split long text into payloads under 8000 bytes, rejoined in order', () => {
    const first = Array.from({ length: 4_000 }, (_, index) => `word${index} `).join('');
    const second = 'and another prompt, '.repeat(1_000);
    // The second prompt had written before this batch: its pieces go on from there.
    const before = new Map([[2, 'What came before, ']]);
    const payloads = encodeOutputNotifications(
      'p1',
      batch(
        [
          { promptId: 1, offset: 0, text: first },
          { promptId: 2, offset: before.get(2)!.length, text: second },
        ],
        { executionEnded: true },
      ),
    );
    expect(payloads.length).toBeGreaterThan(5);
    for (const payload of payloads) expect(Buffer.byteLength(payload)).toBeLessThan(8_000);
    // Full payloads: the limit is used, not a fraction of it.
    expect(Buffer.byteLength(payloads[0]!)).toBeGreaterThan(7_500);
    expect(rejoin(payloads, before)).toEqual(
      new Map([
        [2, before.get(2)! + second],
        [1, first],
      ]),
    );
    // The end rides on the last payload only, after every piece.
    expect(payloads.map((payload) => decodeOutputNotification(payload)!.executionEnded ?? false)).toEqual([...payloads.slice(1).map(() => false), true]);
  });

  it('split multi-byte text and text JSON escapes at code points, never inside a surrogate pair, each payload valid UTF-8', () => {
    const cases = {
      // 4-byte characters (UTF-16 surrogate pairs) at every offset
      emoji: `x${'🦀🌊'.repeat(5_000)}`,
      // 3-byte and 2-byte characters
      mixed: 'Ünïcödé 海の潮 — “quotes” '.repeat(2_000),
      // Characters JSON escapes: 2 bytes (\" \\ \n) and 6 bytes (\u0001)
      escaped: 'a"b\\c\nd\u0001e'.repeat(3_000),
      // Lone surrogates are written as escapes, so the payload stays valid UTF-8
      lone: `${'\ud83e'}half ${'\udd80'}`.repeat(3_000),
    };
    for (const [name, text] of Object.entries(cases)) {
      const payloads = encodeOutputNotifications('p1', batch([{ promptId: 3, offset: 0, text }]));
      expect(payloads.length, name).toBeGreaterThan(1);
      for (const payload of payloads) {
        expect(Buffer.byteLength(payload), name).toBeLessThan(8_000);
        expect(wellFormed(payload), name).toBe(true);
        if (name !== 'lone') for (const [, , piece] of decodeOutputNotification(payload)!.pieces) expect(wellFormed(piece), name).toBe(true);
      }
      expect(rejoin(payloads).get(3), name).toBe(text);
    }
  });

  it('send an end with no text, and nothing for an empty batch', () => {
    expect(encodeOutputNotifications('p1', batch([]))).toEqual([]);
    const [payload] = encodeOutputNotifications('p1', batch([], { executionEnded: true }));
    expect(decodeOutputNotification(payload!)).toEqual({ process: 'p1', executionId: 42, pieces: [], executionEnded: true });
  });

  it('give up their text but keep their ends when they are to be sent again later', () => {
    const [ending] = encodeOutputNotifications('p1', batch([{ promptId: 3, offset: 5, text: 'stale' }], { promptsEnded: [3], executionEnded: true }));
    expect(decodeOutputNotification(outputEndsOf(ending!)!)).toEqual({ process: 'p1', executionId: 42, pieces: [], promptsEnded: [3], executionEnded: true });
    const [textOnly] = encodeOutputNotifications('p1', batch([{ promptId: 3, offset: 0, text: 'going on' }]));
    expect(outputEndsOf(textOnly!)).toBeNull();
  });

  it('ignore what is not theirs', () => {
    expect(decodeOutputNotification('p1|7:1-3')).toBeNull();
    expect(decodeOutputNotification('{"process":"p1","executionId":"x","pieces":[]}')).toBeNull();
  });
});
