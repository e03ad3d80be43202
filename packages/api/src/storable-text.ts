/** How deep an input may nest: far more than any procedure's shape, far less than a stack. */
export const MAX_INPUT_DEPTH = 32;

/** Half of a surrogate pair, without its other half. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export interface UnstorableText {
  /** Where, as `a.b.0.c` (empty for the input itself). */
  path: string;
  problem: string;
}

/**
 * The one rule every input's text follows, whatever the field: PostgreSQL's text and jsonb refuse
 * U+0000, and a lone surrogate half is not Unicode (it cannot be stored or sent back as UTF-8).
 * Keys are checked like values. Walked without recursion, to a bounded depth.
 */
export function findUnstorableText(input: unknown): UnstorableText | null {
  const textProblem = (text: string) =>
    text.includes('\u0000') ? 'must not contain a NUL character (\\u0000)' : LONE_SURROGATE.test(text) ? 'must be valid Unicode (it has a lone surrogate)' : null;
  const stack: Array<{ value: unknown; path: string[] }> = [{ value: input, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) return { path: path.join('.'), problem };
      continue;
    }
    if (!value || typeof value !== 'object' || value instanceof Date) continue;
    if (path.length >= MAX_INPUT_DEPTH) return { path: path.join('.'), problem: `nests deeper than ${MAX_INPUT_DEPTH} levels` };
    for (const [key, item] of Object.entries(value)) {
      const problem = textProblem(key);
      if (problem) return { path: [...path, key.replace(/[\u0000\ud800-\udfff]/g, '?')].join('.'), problem: `has a key that ${problem}` };
      stack.push({ value: item, path: [...path, key] });
    }
  }
  return null;
}
