export interface Embedder {
  /** Embeds texts with the named model; must return unit-length vectors (or zero vectors), one per text. */
  embed(modelId: string, texts: readonly string[], signal?: AbortSignal): Promise<number[][]>;
}

const UNIT_TOLERANCE = 1e-3;

/** Checks a model's answer: one unit vector per text, all of one size (`dimensions` when known); returns that size. */
export function checkEmbeddings(modelId: string, texts: readonly string[], vectors: number[][], dimensions: number | null): number {
  if (vectors.length !== texts.length) {
    throw new Error(`Embedding model "${modelId}" returned ${vectors.length} vectors for ${texts.length} texts`);
  }
  let size = dimensions;
  for (const vector of vectors) {
    size ??= vector.length;
    if (vector.length !== size) throw new Error(`Embedding model "${modelId}" returned vectors of ${vector.length} and ${size} dimensions`);
    const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
    // Cosine similarity is computed as a dot product, which needs unit vectors.
    if (norm !== 0 && Math.abs(norm - 1) > UNIT_TOLERANCE) {
      throw new Error(`Embedding model "${modelId}" returned a vector of length ${norm.toFixed(4)}; expected unit vectors`);
    }
  }
  return size ?? 0;
}
