import type { KnowledgeStore } from '@aae/db';
import type { KnowledgeSearch } from '@aae/engine';
import { describe, expectTypeOf, it } from 'vitest';

describe('knowledge store and engine contract', () => {
  it('serves as the engine’s knowledge search', () => {
    expectTypeOf<KnowledgeStore>().toExtend<KnowledgeSearch>();
  });
});
