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

/** The kinds of document a repository takes: the server's import refuses others, the web app picks only these. */
export const DOCUMENT_MEDIA_TYPES = ['text/plain', 'text/markdown'] as const;
export type DocumentMediaType = (typeof DOCUMENT_MEDIA_TYPES)[number];

/** A PDF is taken too: its text is extracted on the server and stored as plain text. */
export const PDF_MEDIA_TYPE = 'application/pdf';

/** What an import takes: the stored kinds, and PDF (sent as base64, stored as its text). */
export const DOCUMENT_FILE_TYPES = [...DOCUMENT_MEDIA_TYPES, PDF_MEDIA_TYPE] as const;
export type DocumentFileType = (typeof DOCUMENT_FILE_TYPES)[number];

/**
 * Largest document, in bytes: of UTF-8 for text, of the file for a PDF (and of its text). The server
 * refuses more, the web app refuses such a file before sending it.
 */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;

/** Most documents one `add` or `import` takes. */
export const MAX_DOCUMENTS_PER_ADD = 100;
