import type { SearchType } from './payloads.ts';

/** One retrieved passage (a chunk of a document), as the store returns it and the engine uses it. */
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

/** A search of some repositories, as the engine asks it and the store answers it. */
export interface KnowledgeSearchRequest {
  repositoryIds: readonly number[];
  query: string;
  searchType: SearchType;
  /** Most passages to return, best first. */
  limit: number;
  signal?: AbortSignal | undefined;
}

/** A model's answer kept for reuse by an identical prompt: written by the engine, kept by the store. */
export interface CachedResponse {
  output: string;
  inputTokens: number;
  outputTokens: number;
}
