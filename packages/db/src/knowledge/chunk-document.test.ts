import { describe, expect, it } from 'vitest';
import { chunkDocument } from './chunk-document.ts';

// The engine's counter (words and punctuation marks); db cannot import it.
const countTokens = (text: string) => text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)?.length ?? 0;

/** `count` numbered sentences of 10 tokens each (9 words and a full stop). */
function sentences(count: number, topic = 'word'): string {
  return Array.from({ length: count }, (_, index) => `Sentence ${index + 1} talks about ${topic} in plain simple terms.`).join(' ');
}

function body(chunk: { content: string; headings: string[] }): string {
  return chunk.headings.length > 0 ? chunk.content.slice(chunk.content.indexOf('\n\n') + 2) : chunk.content;
}

describe('chunkDocument', () => {
  it('keeps a short text whole', () => {
    const chunks = chunkDocument('One short paragraph.', 'text/plain', { countTokens });
    expect(chunks).toEqual([{ position: 0, content: 'One short paragraph.', tokens: 4, headings: [] }]);
  });

  it('returns nothing for blank text', () => {
    expect(chunkDocument(' \n\n\t', 'text/plain', { countTokens })).toEqual([]);
  });

  it('cuts long text into chunks of about the target size at sentence ends', () => {
    const chunks = chunkDocument(sentences(100), 'text/plain', { countTokens });
    expect(chunks.length).toBeGreaterThanOrEqual(5);
    for (const chunk of chunks) {
      expect(chunk.tokens).toBeLessThanOrEqual(200);
      expect(chunk.content).toMatch(/^Sentence \d+ .*\.$/);
      expect(chunk.tokens).toBe(countTokens(chunk.content));
    }
    expect(chunks.slice(0, -1).every((chunk) => chunk.tokens >= 150)).toBe(true);
    expect(chunks.map((chunk) => chunk.position)).toEqual(chunks.map((_, index) => index));
  });

  it('repeats about 40 tokens between consecutive chunks, and loses no sentence', () => {
    const text = sentences(100);
    const chunks = chunkDocument(text, 'text/plain', { countTokens });
    for (let index = 1; index < chunks.length; index += 1) {
      const previous = (chunks[index - 1] as { content: string }).content;
      const next = (chunks[index] as { content: string }).content;
      let shared = 0;
      for (let length = Math.min(previous.length, next.length); length > 0; length -= 1) {
        if (previous.endsWith(next.slice(0, length))) {
          shared = countTokens(next.slice(0, length));
          break;
        }
      }
      expect(shared).toBeGreaterThanOrEqual(30);
      expect(shared).toBeLessThanOrEqual(40);
    }
    for (let sentence = 1; sentence <= 100; sentence += 1) {
      expect(chunks.some((chunk) => chunk.content.includes(`Sentence ${sentence} talks`))).toBe(true);
    }
  });

  it('honours other sizes', () => {
    const chunks = chunkDocument(sentences(30), 'text/plain', { countTokens, targetTokens: 50, overlapTokens: 10 });
    expect(chunks.every((chunk) => chunk.tokens <= 50)).toBe(true);
    expect(chunks.length).toBeGreaterThanOrEqual(7);
  });

  it('breaks at paragraphs before sentences', () => {
    const first = sentences(12, 'tides');
    const second = sentences(12, 'volcanoes');
    const chunks = chunkDocument(`${first}\n\n${second}`, 'text/plain', { countTokens });
    expect(chunks[0]?.content).toBe(first);
    expect(chunks.at(-1)?.content.endsWith(second)).toBe(true);
  });

  it('cuts a sentence longer than a chunk at word boundaries', () => {
    const long = Array.from({ length: 500 }, (_, index) => `w${index}`).join(' ');
    const chunks = chunkDocument(long, 'text/plain', { countTokens });
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    expect(chunks.every((chunk) => chunk.tokens <= 200)).toBe(true);
    expect(chunks.at(-1)?.content.endsWith('w499')).toBe(true);
    expect(chunks.flatMap((chunk) => chunk.content.split(' ')).every((word) => /^w\d+$/.test(word))).toBe(true);
  });

  it('cuts a run without spaces by characters', () => {
    const chunks = chunkDocument('.'.repeat(450), 'text/plain', { countTokens });
    expect(chunks.every((chunk) => chunk.tokens <= 200)).toBe(true);
    expect(chunks.map((chunk) => chunk.content).join('').length).toBeGreaterThanOrEqual(450);
  });

  it('starts a new chunk at each Markdown heading and prefixes the heading path', () => {
    const markdown = [
      '# Solar power',
      'Panels turn sunlight into electricity.',
      '## How panels work',
      'Photons free electrons in silicon.',
      '### Efficiency',
      'Most panels convert about a fifth of the light.',
      '## Costs',
      'Prices fell for a decade.',
    ].join('\n\n');
    const chunks = chunkDocument(markdown, 'text/markdown', { countTokens });
    expect(chunks.map((chunk) => chunk.content)).toEqual([
      'Solar power\n\nPanels turn sunlight into electricity.',
      'Solar power > How panels work\n\nPhotons free electrons in silicon.',
      'Solar power > How panels work > Efficiency\n\nMost panels convert about a fifth of the light.',
      'Solar power > Costs\n\nPrices fell for a decade.',
    ]);
    expect(chunks[2]?.headings).toEqual(['Solar power', 'How panels work', 'Efficiency']);
  });

  it('keeps the heading path on every chunk of a long section, within the target', () => {
    const chunks = chunkDocument(`# Guide\n\n## Tides\n\n${sentences(60, 'tides')}`, 'text/markdown', { countTokens });
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks) {
      expect(chunk.content.startsWith('Guide > Tides\n\n')).toBe(true);
      expect(chunk.tokens).toBeLessThanOrEqual(200);
      expect(body(chunk)).toMatch(/^Sentence \d+/);
    }
  });

  it('treats # inside fenced code as code, not a heading, and keeps the block together', () => {
    const markdown = '# Shell\n\nRun this:\n\n```sh\n# install\nnpm install\n\nnpm test\n```\n\nDone.';
    const chunks = chunkDocument(markdown, 'text/markdown', { countTokens });
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.content).toBe('Shell\n\nRun this:\n\n```sh\n# install\nnpm install\n\nnpm test\n```\n\nDone.');
  });

  it('leaves # lines alone in plain text', () => {
    const chunks = chunkDocument('# not a heading\n\ntext', 'text/plain', { countTokens });
    expect(chunks[0]?.content).toBe('# not a heading\n\ntext');
    expect(chunks[0]?.headings).toEqual([]);
  });
});
