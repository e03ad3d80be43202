/**
 * How a fuzzed input travels: the body superjson writes (`{"json": …, "meta": {"values": …}}`),
 * built by hand so that it can carry what superjson itself would never write.
 */

/** A value sent with a superjson annotation of our choosing (`["Date"]` on a date before 4713 BC, `["bigint"]` on "abc"). */
export class Annotated {
  constructor(
    readonly json: unknown,
    readonly annotation: unknown,
  ) {}
}

/** JSON text spliced into the body as is: nesting deeper than `JSON.stringify` can write. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** Marks a key to remove from an input (a near-valid input without one of its fields). */
export const ABSENT = Symbol('absent');

export interface Wire {
  json: unknown;
  /** Sent instead of the annotations found in `json` (a hostile `meta`); `undefined` sends none. */
  meta?: unknown;
  /** Leaves `json` out of the body altogether. */
  withoutJson?: boolean;
}

const escapeKey = (key: string) => key.replace(/\\/g, '\\\\').replace(/\./g, '\\.');
const RAW = (index: number) => `\u0001raw${index}\u0001`;

/** The body text of `wire`, as a client would send it (a query puts it in `?input=`). */
export function encodeWire(wire: Wire): string {
  const values: Record<string, unknown> = {};
  let rootAnnotation: unknown;
  const raws: string[] = [];
  const walk = (value: unknown, path: string[], annotate: boolean): unknown => {
    if (annotate && value instanceof Date) {
      const at = path.map(escapeKey).join('.');
      if (path.length === 0) rootAnnotation = ['Date'];
      else values[at] = ['Date'];
      return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    }
    if (value instanceof Annotated) {
      if (annotate && path.length === 0) rootAnnotation = value.annotation;
      else if (annotate) values[path.map(escapeKey).join('.')] = value.annotation;
      return walk(value.json, path, false);
    }
    if (value instanceof RawJson) {
      raws.push(value.text);
      return RAW(raws.length - 1);
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, String(index)], annotate));
    if (value !== null && typeof value === 'object') {
      // defineProperty: a key such as "__proto__" stays a key.
      const copy = {};
      for (const [key, item] of Object.entries(value)) {
        Object.defineProperty(copy, key, { value: walk(item, [...path, key], annotate), enumerable: true, writable: true, configurable: true });
      }
      return copy;
    }
    return value;
  };
  const json = walk(wire.json, [], true);
  const found = rootAnnotation !== undefined ? { values: rootAnnotation } : Object.keys(values).length > 0 ? { values } : undefined;
  const meta = 'meta' in wire ? walk(wire.meta, [], false) : found;
  const body: Record<string, unknown> = {};
  if (!wire.withoutJson) body.json = json;
  if (meta !== undefined) body.meta = meta;
  return JSON.stringify(body).replace(/"\\u0001raw(\d+)\\u0001"/g, (_match, index: string) => raws[Number(index)]!);
}

/** `value` with the field at `path` replaced (or removed, for `ABSENT`); `value` is left as it was. */
export function withField(value: unknown, path: ReadonlyArray<string | number>, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string | number, ...Array<string | number>];
  const container = (
    Array.isArray(value)
      ? [...(value as unknown[])]
      : value !== null && typeof value === 'object' && !(value instanceof Date)
        ? { ...(value as Record<string, unknown>) }
        : {}
  ) as Record<string | number, unknown>;
  const inner = withField(Object.hasOwn(container, head) ? container[head] : undefined, rest, replacement);
  if (rest.length === 0 && replacement === ABSENT) {
    delete container[head];
    return container;
  }
  Object.defineProperty(container, head, { value: inner, enumerable: true, writable: true, configurable: true });
  return container;
}

/** A readable excerpt of a request or an answer for a report: long runs and long texts shortened. */
export function excerpt(text: string, length = 240): string {
  const squeezed = text.replace(/(.)\1{19,}/gsu, (run, char: string) => `${char}…(${run.length}×)`);
  const escaped = JSON.stringify(squeezed).slice(1, -1);
  return escaped.length > length ? `${escaped.slice(0, length)}…(${escaped.length} chars)` : escaped;
}
