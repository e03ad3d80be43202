import { describe, expect, it } from 'vitest';
import { createLocalEmbeddingModel, embeddingTerms, LOCAL_EMBEDDING_MODEL_ID, stemWord } from './local-embedding.ts';

const model = createLocalEmbeddingModel();
const dot = (a: readonly number[], b: readonly number[]) => a.reduce((sum, value, index) => sum + value * (b[index] ?? 0), 0);

async function similarity(a: string, b: string): Promise<number> {
  const [first, second] = await model.embed([a, b]);
  return dot(first!, second!);
}

describe('createLocalEmbeddingModel', () => {
  it('is named local-hash-384 and gives 384 dimensions per text, in order', async () => {
    expect(model.id).toBe(LOCAL_EMBEDDING_MODEL_ID);
    expect(model.id).toBe('local-hash-384');
    const vectors = await model.embed(['tides and the moon', 'sourdough starter', 'volcanic ash']);
    expect(vectors).toHaveLength(3);
    for (const vector of vectors) expect(vector).toHaveLength(384);
  });

  it('gives the same text the same vector, in any batch and any model instance', async () => {
    const [alone] = await model.embed(['Honeybees dance to show where flowers are.']);
    const [, inBatch] = await createLocalEmbeddingModel().embed(['other text', 'Honeybees dance to show where flowers are.']);
    expect(inBatch).toEqual(alone);
  });

  it('returns unit vectors, and the zero vector for a text without terms', async () => {
    const [text, stopwords, empty] = await model.embed(['The gravity of the moon raises the tides.', 'the of and to', '']);
    expect(Math.sqrt(dot(text!, text!))).toBeCloseTo(1, 10);
    expect(stopwords!.every((value) => value === 0)).toBe(true);
    expect(empty!.every((value) => value === 0)).toBe(true);
  });

  it('scores related texts higher than unrelated ones', async () => {
    const bees = 'A forager bee returns to the hive and dances to show the direction of flowers.';
    const related = await similarity(bees, 'How do bees show each other where the flowers are?');
    const unrelated = await similarity(bees, 'TCP retransmits segments that were not acknowledged.');
    expect(related).toBeGreaterThan(0.3);
    expect(related).toBeGreaterThan(unrelated + 0.2);
    expect(await similarity(bees, bees)).toBeCloseTo(1, 10);
  });

  it('matches other forms of a word through stemming', async () => {
    const text = 'The volcano erupted and lava flowed down the mountains.';
    expect(await similarity(text, 'erupting volcanoes')).toBeGreaterThan(await similarity(text, 'baking bread'));
    expect(['panels', 'generated', 'generates', 'generating', 'running', 'runs', 'cities', 'city', 'boxes'].map(stemWord)).toEqual([
      'panel',
      'generat',
      'generat',
      'generat',
      'run',
      'run',
      'city',
      'city',
      'box',
    ]);
  });

  it('weighs word order through bigrams', async () => {
    const text = 'carbon dioxide is fixed in the stroma';
    expect(await similarity(text, 'carbon dioxide')).toBeGreaterThan(await similarity(text, 'dioxide carbon'));
  });

  it('lower-cases, drops stopwords and apostrophes', () => {
    expect(embeddingTerms("The Moon's PULL on the Oceans")).toEqual(['moon', 'pull', 'ocean']);
  });

  it('stops when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(model.embed(['text'], controller.signal)).rejects.toThrow();
  });
});
