import { describe, expect, it } from 'vitest';
import { storable } from './storable.ts';

describe('storable', () => {
  it('replaces NUL in strings, keys and nested values, leaving the input untouched', () => {
    const input = { 'ke\u0000y': ['1+\u0000', { deep: '\u0000', n: 3 }], when: null, ok: true };
    expect(storable(input)).toEqual({ 'ke\uFFFDy': ['1+\uFFFD', { deep: '\uFFFD', n: 3 }], when: null, ok: true });
    expect(input['ke\u0000y'][0]).toBe('1+\u0000');
    expect(storable('a\u0000b\u0000')).toBe('a\uFFFDb\uFFFD');
  });

  it('hands back a value without NUL as it is, with no copy', () => {
    const input = { promptId: 1, variables: { topic: 'revenue' }, sourcePrompts: [1, 2], result: { value: 1.07 } };
    expect(storable(input)).toBe(input);
    const date = new Date(0);
    expect(storable({ date }).date).toBe(date);
  });
});
