export class KnowledgeRepositoryNotFoundError extends Error {
  constructor(readonly repositoryIds: readonly number[]) {
    super(
      repositoryIds.length === 1
        ? `Knowledge repository ${repositoryIds[0]} does not exist`
        : `Knowledge repositories ${repositoryIds.join(', ')} do not exist`,
    );
    this.name = 'KnowledgeRepositoryNotFoundError';
  }
}

/** Vectors from different models are not comparable, so one vector search cannot span them. */
export class MixedEmbeddingModelsError extends Error {
  constructor(readonly models: ReadonlyArray<{ repositoryId: number; embeddingModel: string }>) {
    super(
      `Repositories searched together by vector must share one embedding model, but ${models
        .map((entry) => `repository ${entry.repositoryId} uses "${entry.embeddingModel}"`)
        .join(', ')}; search them separately or use keyword search`,
    );
    this.name = 'MixedEmbeddingModelsError';
  }
}
