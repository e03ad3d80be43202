import { fnv1a } from './fnv1a.ts';
import { normalise, type EmbeddingModel } from './embedding.ts';

export const LOCAL_EMBEDDING_MODEL_ID = 'local-hash-384';

const DIMENSIONS = 384;
/** A bigram is evidence of a phrase, weaker than the words it is made of. */
const BIGRAM_WEIGHT = 0.5;

const STOPWORDS = new Set(
  `a about above after again against all am an and any are as at be because been before being below between both but by
  can could did do does doing down during each few for from further had has have having he her here hers herself him
  himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other
  our ours ourselves out over own same she should so some such than that the their theirs them themselves then there
  these they this those through to too under until up very was we were what when where which while who whom why will
  with would you your yours yourself yourselves also may might must shall us get got many much`
    .split(/\s+/)
    .filter(Boolean),
);

/**
 * Light suffix stripping so that inflections meet (`panels`/`panel`, `generated`/`generates`);
 * every text goes through the same rules, so an odd stem still matches itself.
 */
export function stemWord(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  let stem = word;
  if (stem.endsWith('ies') && stem.length > 4) stem = `${stem.slice(0, -3)}y`;
  else if (/(?:ss|sh|ch|x|z)es$/.test(stem)) stem = stem.slice(0, -2);
  else if (stem.endsWith('s') && !/(?:ss|us|is)$/.test(stem)) stem = stem.slice(0, -1);
  if (stem.endsWith('ing') && stem.length > 5) stem = undouble(stem.slice(0, -3));
  else if (stem.endsWith('ed') && stem.length > 4) stem = undouble(stem.slice(0, -2));
  if (stem.endsWith('e') && stem.length > 4) stem = stem.slice(0, -1);
  return stem;
}

function undouble(stem: string): string {
  return /([b-df-hj-km-np-rtv-z])\1$/.test(stem) && !/(?:ll|ss|zz)$/.test(stem) ? stem.slice(0, -1) : stem;
}

/** Lower-cased, stemmed words without stopwords, in text order. */
export function embeddingTerms(text: string): string[] {
  const words =
    text
      .toLowerCase()
      .replace(/['’]/g, '')
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.filter((word) => !STOPWORDS.has(word)).map(stemWord);
}

function embedText(text: string): number[] {
  const terms = embeddingTerms(text);
  const counts = new Map<string, number>();
  const count = (feature: string) => counts.set(feature, (counts.get(feature) ?? 0) + 1);
  terms.forEach((term, index) => {
    count(term);
    const next = terms[index + 1];
    if (next !== undefined) count(`${term} ${next}`);
  });
  const vector = new Array<number>(DIMENSIONS).fill(0);
  for (const [feature, tf] of counts) {
    const weight = (feature.includes(' ') ? BIGRAM_WEIGHT : 1) * (1 + Math.log(tf));
    const hash = fnv1a(feature);
    // The sign from the high bit makes colliding features cancel on average instead of piling up.
    const sign = hash & 0x80000000 ? -1 : 1;
    const slot = hash % DIMENSIONS;
    vector[slot] = (vector[slot] ?? 0) + sign * weight;
  }
  return normalise(vector);
}

/**
 * A deterministic embedding that needs no network: feature-hashed term vectors. It matches
 * shared words and phrases (after stemming), not meaning: a paraphrase with no word in common
 * scores near zero.
 */
export function createLocalEmbeddingModel(): EmbeddingModel {
  return {
    id: LOCAL_EMBEDDING_MODEL_ID,
    async embed(texts, signal) {
      signal?.throwIfAborted();
      return texts.map(embedText);
    },
  };
}
