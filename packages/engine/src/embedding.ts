import { Registry, unknownEntryMessage } from './registry.ts';

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
    super(unknownEntryMessage('embedding model', modelId, known));
    this.name = 'UnknownEmbeddingModelError';
  }
}

export class EmbeddingRegistry extends Registry<EmbeddingModel> {
  constructor(
    models: readonly EmbeddingModel[],
    /** The model new repositories use. */
    readonly defaultId: string,
  ) {
    super((id, known) => new UnknownEmbeddingModelError(id, known));
    for (const model of models) this.register(model);
    if (!this.has(defaultId)) throw new UnknownEmbeddingModelError(defaultId, this.ids());
  }

  register(model: EmbeddingModel): void {
    this.set(model.id, model);
  }
}

/** Scales a vector to unit length, so that cosine similarity is a dot product. */
export function normalise(vector: readonly number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  return norm === 0 ? vector.map(() => 0) : vector.map((value) => value / norm);
}
