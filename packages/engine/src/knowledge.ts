import type { SearchType } from '@aae/events';

export type { SearchType };

/** One retrieved passage (a chunk of a document). */
export interface KnowledgePassage {
  chunkId: number;
  documentId: number;
  repositoryId: number;
  documentTitle: string;
  content: string;
  /** Relevance normalised to 0..1 (1 = best possible for the search type). */
  score: number;
  /** Tokens of `content`, counted as the context injected into the prompt counts them. */
  tokens: number;
}

export interface KnowledgeSearchRequest {
  repositoryIds: readonly number[];
  query: string;
  searchType: SearchType;
  /** Most passages to return, best first. */
  limit: number;
  signal?: AbortSignal | undefined;
}

/** Where the engine finds knowledge; it knows nothing of how or where it is stored. */
export interface KnowledgeSearch {
  search(request: KnowledgeSearchRequest): Promise<KnowledgePassage[]>;
}
