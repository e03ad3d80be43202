import type { DocumentMediaType } from '@aae/events';

/** What a repository takes, as the server says (`knowledge.importLimits`). */
export interface DocumentFileLimits {
  mediaTypes: readonly DocumentMediaType[];
  maxDocumentBytes: number;
}

export type ReadDocumentFile = { ok: true; document: { title: string; mediaType: DocumentMediaType; content: string } } | { ok: false; problem: string };

const BY_EXTENSION: Record<string, DocumentMediaType> = {
  md: 'text/markdown',
  markdown: 'text/markdown',
  txt: 'text/plain',
  text: 'text/plain',
};

/** The extensions the file picker offers, per kind. */
export const DOCUMENT_FILE_EXTENSIONS: Record<DocumentMediaType, string[]> = {
  'text/markdown': ['.md', '.markdown'],
  'text/plain': ['.txt', '.text'],
};

/**
 * A file's kind: by its extension first (browsers and systems disagree on Markdown's MIME type,
 * often giving none), then by the type the browser gave.
 */
export function documentMediaType(file: { name: string; type: string }): DocumentMediaType | null {
  const extension = /\.([^.]+)$/.exec(file.name)?.[1]?.toLowerCase();
  if (extension && extension in BY_EXTENSION) return BY_EXTENSION[extension]!;
  if (file.type === 'text/markdown' || file.type === 'text/x-markdown') return 'text/markdown';
  if (file.type === 'text/plain') return 'text/plain';
  return null;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * Reads a dropped or picked file as a document to import, or says why it cannot be one: a kind the
 * server does not take, more bytes than it takes, or bytes that are not UTF-8 text. What the server
 * checks beyond these (empty text, NUL characters) it answers itself, per file.
 */
export async function readDocumentFile(file: File, limits: DocumentFileLimits): Promise<ReadDocumentFile> {
  const mediaType = documentMediaType(file);
  if (!mediaType || !limits.mediaTypes.includes(mediaType)) {
    return { ok: false, problem: 'Not a Markdown or plain text file (.md, .markdown, .txt or .text)' };
  }
  if (file.size > limits.maxDocumentBytes) {
    return { ok: false, problem: `Larger than ${formatBytes(limits.maxDocumentBytes)} (${formatBytes(file.size)}): split it into smaller files` };
  }
  let content: string;
  try {
    // `fatal`: bytes that are not UTF-8 are refused rather than turned into U+FFFD. The BOM is dropped.
    content = new TextDecoder('utf-8', { fatal: true }).decode(await file.arrayBuffer());
  } catch (error) {
    if (error instanceof TypeError) return { ok: false, problem: 'Not UTF-8 text: save it as UTF-8 and add it again' };
    return { ok: false, problem: `Could not be read: ${error instanceof Error ? error.message : String(error)}` };
  }
  const title = file.name.replace(/\.[^.]+$/, '').trim() || file.name;
  return { ok: true, document: { title: title.slice(0, 300), mediaType, content } };
}
