import type { KnowledgePassage, KnowledgeSearchRequest, SearchType } from '@aae/events';

export type { KnowledgePassage, KnowledgeSearchRequest, SearchType };

/** Where the engine finds knowledge; it knows nothing of how or where it is stored. */
export interface KnowledgeSearch {
  search(request: KnowledgeSearchRequest): Promise<KnowledgePassage[]>;
}
