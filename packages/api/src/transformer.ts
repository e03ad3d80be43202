import superjson, { type SuperJSONResult } from 'superjson';

/** The only types a caller may ask the server to revive in an input: nothing that runs code or recurses. */
const INPUT_ANNOTATIONS = new Set(['Date', 'undefined', 'number']);
/** More annotations than any input of this API has (one per date or undefined field). */
const MAX_INPUT_ANNOTATIONS = 1_000;

/** Refused: an input's superjson `meta` asks for more than dates, undefined and special numbers. */
export class InputMetaError extends Error {
  override name = 'InputMetaError';
}

/**
 * Reads an input the way superjson wrote it, after checking its `meta`: flat annotations of the
 * types above only. superjson would otherwise follow whatever a request describes (classes,
 * nested annotations, references), which a 90-byte body can turn into a stack overflow.
 */
export function deserializeInput(payload: unknown): unknown {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return payload;
  const { json, meta } = payload as { json?: unknown; meta?: unknown };
  if (meta === undefined) return json;
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) throw new InputMetaError('meta must be an object');
  const { values } = meta as { values?: unknown };
  // References only say two places held one object; both copies are in `json` already.
  if (values === undefined) return json;
  const allowed = (annotation: unknown) =>
    Array.isArray(annotation) && annotation.length === 1 && typeof annotation[0] === 'string' && INPUT_ANNOTATIONS.has(annotation[0]);
  const expected = [...INPUT_ANNOTATIONS].map((type) => `["${type}"]`).join(', ');
  // The whole input is one such value (`undefined` for no input, a date).
  if (Array.isArray(values)) {
    if (!allowed(values)) throw new InputMetaError(`meta.values must be one of ${expected}, or an object of them by path`);
    return superjson.deserialize({ json, meta: { values } } as SuperJSONResult, { inPlace: true });
  }
  if (!values || typeof values !== 'object') throw new InputMetaError('meta.values must be an object');
  const entries = Object.entries(values);
  if (entries.length > MAX_INPUT_ANNOTATIONS) throw new InputMetaError(`meta.values has more than ${MAX_INPUT_ANNOTATIONS} entries`);
  for (const [path, annotation] of entries) {
    if (!allowed(annotation)) throw new InputMetaError(`meta.values["${path.slice(0, 100)}"] must be one of ${expected}`);
  }
  // In place: the body was just parsed for this request, so no deep copy of it is needed.
  return superjson.deserialize({ json, meta: { values } } as SuperJSONResult, { inPlace: true });
}

/** Shared by server and every client, so dates survive the wire as dates; inputs are read with care. */
export const transformer = {
  input: { serialize: (value: unknown) => superjson.serialize(value), deserialize: deserializeInput },
  output: { serialize: (value: unknown) => superjson.serialize(value), deserialize: (value: unknown) => superjson.deserialize(value as SuperJSONResult) },
};
