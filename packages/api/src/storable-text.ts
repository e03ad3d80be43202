/** How deep an input may nest: far more than any procedure's shape, far less than a stack. */
export const MAX_INPUT_DEPTH = 32;
/** How many values (strings, numbers, objects, keys…) an input may hold: checking stays cheap. */
export const MAX_INPUT_VALUES = 100_000;

/** Half of a surrogate pair, without its other half. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export interface UnstorableText {
  /** Where, as `a.b.0.c` (empty for the input itself). */
  path: string;
  problem: string;
}

interface Visit {
  value: unknown;
  key: string | null;
  parent: Visit | null;
  depth: number;
}

const pathOf = (visit: Visit | null): string => {
  const keys: string[] = [];
  for (let at = visit; at && at.key !== null; at = at.parent) keys.push(at.key);
  return keys.reverse().join('.');
};

const textProblem = (text: string) =>
  text.includes('\u0000') ? 'must not contain a NUL character (\\u0000)' : LONE_SURROGATE.test(text) ? 'must be valid Unicode (it has a lone surrogate)' : null;

/**
 * The one rule every input's text follows, whatever the field: PostgreSQL's text and jsonb refuse
 * U+0000, and a lone surrogate half is not Unicode (it cannot be stored or sent back as UTF-8).
 * Keys are checked like values. Walked without recursion, to a bounded depth and number of values,
 * keeping parent links rather than copying paths.
 */
export function findUnstorableText(input: unknown): UnstorableText | null {
  const stack: Visit[] = [{ value: input, key: null, parent: null, depth: 0 }];
  let values = 0;
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const { value } = visit;
    if (++values > MAX_INPUT_VALUES) return { path: '', problem: `holds more than ${MAX_INPUT_VALUES.toLocaleString('en')} values` };
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) return { path: pathOf(visit), problem };
      continue;
    }
    if (!value || typeof value !== 'object' || value instanceof Date) continue;
    if (visit.depth >= MAX_INPUT_DEPTH) return { path: pathOf(visit), problem: `nests deeper than ${MAX_INPUT_DEPTH} levels` };
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      const problem = textProblem(key);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what is looked for
      if (problem) return { path: [pathOf(visit), key.replace(/[\u0000\ud800-\udfff]/g, '?')].filter(Boolean).join('.'), problem: `has a key that ${problem}` };
      stack.push({ value: (value as Record<string, unknown>)[key], key, parent: visit, depth: visit.depth + 1 });
    }
  }
  return null;
}
