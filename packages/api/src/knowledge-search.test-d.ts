import type { KnowledgePassage as StoredPassage, KnowledgeSearchRequest as StoreRequest, KnowledgeStore } from '@aae/db';
import type { KnowledgePassage, KnowledgeSearch, KnowledgeSearchRequest } from '@aae/engine';
import { describe, expectTypeOf, it } from 'vitest';

// db and engine may not import each other, so each declares the shapes; these keep the twins equal.
describe('knowledge store and engine contract', () => {
  it('returns exactly the passages the engine expects', () => {
    expectTypeOf<StoredPassage>().toEqualTypeOf<KnowledgePassage>();
    expectTypeOf<StoreRequest>().toEqualTypeOf<KnowledgeSearchRequest>();
  });

  it('serves as the engine’s knowledge search', () => {
    expectTypeOf<KnowledgeStore>().toExtend<KnowledgeSearch>();
  });
});
