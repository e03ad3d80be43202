/** Turns texts into vectors; one per text, in order, all of the same length. */
export interface EmbeddingModel {
  /** Stored with each repository: a query must be embedded by the model that embedded its chunks. */
  readonly id: string;
  embed(texts: readonly string[], signal?: AbortSignal): Promise<number[][]>;
}

export class UnknownEmbeddingModelError extends Error {
  constructor(
    readonly modelId: string,
    known: readonly string[],
  ) {
    super(`Unknown embedding model "${modelId}". Known embedding models: ${known.join(', ') || 'none'}.`);
    this.name = 'UnknownEmbeddingModelError';
  }
}

export class EmbeddingRegistry {
  private readonly models = new Map<string, EmbeddingModel>();

  constructor(
    models: readonly EmbeddingModel[],
    /** The model new repositories use. */
    readonly defaultId: string,
  ) {
    for (const model of models) this.models.set(model.id, model);
    if (!this.models.has(defaultId)) throw new UnknownEmbeddingModelError(defaultId, this.ids());
  }

  register(model: EmbeddingModel): void {
    this.models.set(model.id, model);
  }

  has(id: string): boolean {
    return this.models.has(id);
  }

  ids(): string[] {
    return [...this.models.keys()];
  }

  resolve(id: string): EmbeddingModel {
    const model = this.models.get(id);
    if (!model) throw new UnknownEmbeddingModelError(id, this.ids());
    return model;
  }
}

/** Scales a vector to unit length, so that cosine similarity is a dot product. */
export function normalise(vector: readonly number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  return norm === 0 ? vector.map(() => 0) : vector.map((value) => value / norm);
}
