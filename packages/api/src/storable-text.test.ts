import { describe, expect, it } from 'vitest';
import { findUnstorableText, MAX_INPUT_DEPTH, MAX_INPUT_VALUES } from './storable-text.ts';

describe('findUnstorableText', () => {
  it('names where a NUL, a lone surrogate or a bad key is, at any depth', () => {
    expect(findUnstorableText({ name: 'a\u0000b' })).toEqual({ path: 'name', problem: 'must not contain a NUL character (\\u0000)' });
    expect(findUnstorableText({ inputVariables: [{ label: 'ok' }, { label: 'x\ud800' }] })).toEqual({
      path: 'inputVariables.1.label',
      problem: 'must be valid Unicode (it has a lone surrogate)',
    });
    expect(findUnstorableText({ input: { 'k\u0000': 'v' } })).toMatchObject({ path: 'input.k?', problem: expect.stringContaining('has a key that') });
    expect(findUnstorableText('\udc00 alone')).toMatchObject({ path: '' });
  });

  it('accepts text that is storable, emoji (surrogate pairs) included, and dates and numbers', () => {
    expect(findUnstorableText({ name: 'tide 🌊 pools', at: new Date(0), n: 3, list: ['a', null, true], nested: { deep: 'é' } })).toBeNull();
    expect(findUnstorableText(undefined)).toBeNull();
  });

  it('refuses nesting past the limit without recursing', () => {
    let deep: unknown = 'end';
    for (let level = 0; level < 100_000; level++) deep = [deep];
    expect(findUnstorableText(deep)).toMatchObject({ problem: `nests deeper than ${MAX_INPUT_DEPTH} levels` });
  });

  it('refuses an input of more values than any procedure takes, before walking them all', () => {
    expect(findUnstorableText(new Array(MAX_INPUT_VALUES + 1).fill(0))).toMatchObject({ problem: expect.stringContaining('holds more than 100,000 values') });
    expect(findUnstorableText(new Array(1_000).fill('ok'))).toBeNull();
  });
});
