/**
 * PostgreSQL cannot store U+0000 in text or jsonb and would refuse the whole row. A NUL can arrive
 * from anywhere (a user's input, a tool's result, a model's output): it is replaced by U+FFFD, so
 * the row is stored with everything else as it was.
 */
export function storable<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value) as T;
  if (Array.isArray(value)) return value.map(storable) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [storable(key), storable(item)])) as T;
  }
  return value;
}
