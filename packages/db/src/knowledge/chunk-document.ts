/** Counts tokens as the engine counts the context it injects; passed in because db does not depend on the engine. */
export type TokenCounter = (text: string) => number;

export type KnowledgeMediaType = 'text/plain' | 'text/markdown';

export interface DocumentChunk {
  /** 0-based order within the document. */
  position: number;
  /** The heading path (if any), a blank line, then the passage. */
  content: string;
  tokens: number;
  /** Markdown headings above the passage, outermost first. */
  headings: string[];
}

export interface ChunkOptions {
  countTokens: TokenCounter;
  /** About how many tokens a chunk holds. */
  targetTokens?: number;
  /** About how many tokens a chunk repeats from the end of the one before it in the same section. */
  overlapTokens?: number;
}

export const DEFAULT_CHUNK_TOKENS = 200;
export const DEFAULT_CHUNK_OVERLAP_TOKENS = 40;

interface Block {
  text: string;
  /** Fenced code splits at line ends, prose at sentence ends. */
  code: boolean;
}

interface Section {
  headings: string[];
  blocks: Block[];
}

interface Unit {
  text: string;
  tokens: number;
  block: number;
  code: boolean;
}

const HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** Paragraphs and fenced code blocks, grouped under the Markdown heading path they sit in. */
function parseSections(content: string, mediaType: KnowledgeMediaType): Section[] {
  const sections: Section[] = [{ headings: [], blocks: [] }];
  const stack: Array<{ level: number; text: string }> = [];
  let lines: string[] = [];
  let fence: string | null = null;
  const current = () => sections[sections.length - 1] as Section;
  const flush = (code: boolean) => {
    const text = code
      ? lines.join('\n').trim()
      : lines
          .map((line) => line.trim())
          .join(' ')
          .trim();
    if (text) current().blocks.push({ text, code });
    lines = [];
  };

  for (const line of content.replace(/\r\n?/g, '\n').split('\n')) {
    if (mediaType === 'text/markdown') {
      if (fence !== null) {
        lines.push(line);
        if (line.trim().startsWith(fence)) {
          flush(true);
          fence = null;
        }
        continue;
      }
      const fenceMatch = FENCE.exec(line);
      if (fenceMatch) {
        flush(false);
        fence = fenceMatch[1] as string;
        lines.push(line);
        continue;
      }
      const heading = HEADING.exec(line);
      if (heading) {
        flush(false);
        const level = (heading[1] as string).length;
        while (stack.length > 0 && (stack[stack.length - 1] as { level: number }).level >= level) stack.pop();
        stack.push({ level, text: (heading[2] as string).trim() });
        sections.push({ headings: stack.map((entry) => entry.text).filter(Boolean), blocks: [] });
        continue;
      }
    }
    if (line.trim() === '') flush(false);
    else lines.push(line);
  }
  flush(fence !== null);
  return sections.filter((section) => section.blocks.length > 0);
}

/** Cuts text at whitespace into pieces of at most `max` tokens; a longer run without spaces is cut by characters. */
function splitByWords(text: string, max: number, countTokens: TokenCounter): string[] {
  const pieces: string[] = [];
  let words: string[] = [];
  let tokens = 0;
  const flush = () => {
    if (words.length > 0) pieces.push(words.join(' '));
    words = [];
    tokens = 0;
  };
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const wordTokens = countTokens(word);
    if (wordTokens > max) {
      flush();
      // Every token is at least one character, so `max` characters hold at most `max` tokens.
      for (let start = 0; start < word.length; start += max) pieces.push(word.slice(start, start + max));
      continue;
    }
    if (tokens + wordTokens > max) flush();
    words.push(word);
    tokens += wordTokens;
  }
  flush();
  return pieces;
}

/** A block as units of at most `max` tokens: whole if it fits, else sentences (or lines of code), else words. */
function splitBlock(block: Block, index: number, max: number, countTokens: TokenCounter): Unit[] {
  const unit = (text: string): Unit => ({ text, tokens: countTokens(text), block: index, code: block.code });
  if (countTokens(block.text) <= max) return [unit(block.text)];
  const parts = block.code ? block.text.split('\n') : block.text.split(/(?<=[.!?])\s+(?=\S)/);
  return parts
    .flatMap((part) => (countTokens(part) <= max ? [part] : splitByWords(part, max, countTokens)))
    .filter((part) => part.trim())
    .map(unit);
}

function joinUnits(units: readonly Unit[]): string {
  return units
    .map((unit, index) => {
      const previous = units[index - 1];
      if (!previous) return unit.text;
      if (previous.block !== unit.block) return `\n\n${unit.text}`;
      return `${unit.code ? '\n' : ' '}${unit.text}`;
    })
    .join('');
}

/** The end of a chunk to repeat at the start of the next: whole sentences when they come close to `overlap`, else words. */
function overlapTail(units: readonly Unit[], overlap: number, countTokens: TokenCounter): Unit[] {
  const tail: Unit[] = [];
  let tokens = 0;
  for (let index = units.length - 1; index >= 0; index -= 1) {
    const unit = units[index] as Unit;
    if (tokens + unit.tokens > overlap) break;
    tail.unshift(unit);
    tokens += unit.tokens;
  }
  if (tokens >= overlap / 2) return tail;
  const last = units[units.length - 1];
  if (!last) return [];
  const words = last.text.split(/\s+/).filter(Boolean);
  const kept: string[] = [];
  let keptTokens = 0;
  for (let index = words.length - 1; index >= 0; index -= 1) {
    const wordTokens = countTokens(words[index] as string);
    if (keptTokens + wordTokens > overlap) break;
    kept.unshift(words[index] as string);
    keptTokens += wordTokens;
  }
  return kept.length > 0 ? [{ ...last, text: kept.join(' '), tokens: keptTokens }] : [];
}

/**
 * Splits a document into passages of about `targetTokens`, breaking at headings, then paragraphs,
 * then sentences, and repeating about `overlapTokens` between consecutive chunks of a section so a
 * statement cut at a boundary is still whole in one of them. Each chunk starts with its heading path.
 */
export function chunkDocument(content: string, mediaType: KnowledgeMediaType, options: ChunkOptions): DocumentChunk[] {
  const { countTokens } = options;
  const target = options.targetTokens ?? DEFAULT_CHUNK_TOKENS;
  const overlap = Math.min(options.overlapTokens ?? DEFAULT_CHUNK_OVERLAP_TOKENS, Math.floor(target / 2));
  const chunks: DocumentChunk[] = [];

  for (const section of parseSections(content, mediaType)) {
    const prefix = section.headings.join(' > ');
    // The heading path takes part of the budget, but never so much that no passage fits.
    const budget = Math.max(target - (prefix ? countTokens(prefix) : 0), 2 * overlap, 1);
    // Any unit fits beside a full overlap, so a new chunk never starts over budget.
    const maxUnit = Math.max(budget - overlap, 1);
    const units = section.blocks.flatMap((block, index) => splitBlock(block, index, maxUnit, countTokens));
    const emit = (chunkUnits: readonly Unit[]) => {
      const body = joinUnits(chunkUnits);
      const text = prefix ? `${prefix}\n\n${body}` : body;
      chunks.push({ position: chunks.length, content: text, tokens: countTokens(text), headings: section.headings });
    };

    let current: Unit[] = [];
    let tokens = 0;
    for (const unit of units) {
      if (current.length > 0 && tokens + unit.tokens > budget) {
        emit(current);
        current = overlapTail(current, overlap, countTokens);
        tokens = current.reduce((sum, kept) => sum + kept.tokens, 0);
      }
      current.push(unit);
      tokens += unit.tokens;
    }
    if (current.length > 0) emit(current);
  }
  return chunks;
}
