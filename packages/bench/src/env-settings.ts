/** Positive whole numbers from an environment variable separated by commas (a benchmark's knobs), or `fallback`. */
export function envList(name: string, fallback: number[]): number[] {
  const value = process.env[name];
  if (!value) return fallback;
  const list = value.split(',').map((part) => Number(part.trim()));
  if (list.some((entry) => !Number.isInteger(entry) || entry <= 0))
    throw new Error(`${name} must be positive whole numbers separated by commas, got "${value}"`);
  return list;
}

/** One positive whole number from an environment variable, or `fallback`. */
export const envNumber = (name: string, fallback: number): number => envList(name, [fallback])[0]!;
