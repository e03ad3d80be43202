import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { deserializeInput, InputMetaError } from './transformer.ts';

describe('reading an input', () => {
  it('revives what the clients send: dates, undefined, special numbers, at any depth or as the whole input', () => {
    const inputs = [
      undefined,
      new Date(0),
      { from: new Date('2026-01-01T00:00:00.000Z'), cursor: undefined, limit: 25 },
      { nested: [{ at: new Date(5), ratio: Number.NaN }], same: undefined },
      { plain: 'text', list: [1, 2, 3] },
    ];
    for (const input of inputs) expect(deserializeInput(superjson.serialize(input))).toEqual(input);
    // The same object twice: both copies are in `json`, so the reference note is not needed.
    const shared = { at: new Date(1) };
    expect(deserializeInput(superjson.serialize({ a: shared, b: shared }))).toEqual({ a: shared, b: shared });
  });

  it('refuses anything else a request could ask superjson to do, naming where', () => {
    const refusals: Array<[unknown, string]> = [
      [{ json: { name: {} }, meta: { values: { name: ['class', 'Evil'] } } }, 'meta.values["name"] must be one of'],
      [{ json: {}, meta: { values: { a: ['Date', { b: ['Date'] }] } } }, 'meta.values["a"] must be one of'],
      [{ json: {}, meta: { values: ['custom', 'x'] } }, 'meta.values must be one of'],
      [{ json: {}, meta: 'x' }, 'meta must be an object'],
      [{ json: {}, meta: { values: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, ['Date']])) } }, 'more than 1000 entries'],
      [{ json: '123', meta: { values: ['bigint'] } }, 'meta.values must be one of'],
    ];
    for (const [payload, message] of refusals) {
      expect(() => deserializeInput(payload)).toThrow(InputMetaError);
      expect(() => deserializeInput(payload)).toThrow(message);
    }
  });
});
