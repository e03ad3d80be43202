import type { DocumentFileType } from '@aae/events';

/** What a repository takes, as the server says (`knowledge.importLimits`). */
export interface DocumentFileLimits {
  mediaTypes: readonly DocumentFileType[];
  maxDocumentBytes: number;
}

export type ReadDocumentFile = { ok: true; document: { title: string; mediaType: DocumentFileType; content: string } } | { ok: false; problem: string };

const BY_EXTENSION: Record<string, DocumentFileType> = {
  md: 'text/markdown',
  markdown: 'text/markdown',
  txt: 'text/plain',
  text: 'text/plain',
  pdf: 'application/pdf',
};

/** The extensions the file picker offers, per kind. */
export const DOCUMENT_FILE_EXTENSIONS: Record<DocumentFileType, string[]> = {
  'text/markdown': ['.md', '.markdown'],
  'text/plain': ['.txt', '.text'],
  'application/pdf': ['.pdf'],
};

const listed = (items: readonly string[]) => (items.length > 1 ? `${items.slice(0, -1).join(', ')} or ${items.at(-1)}` : (items[0] ?? ''));

/** The extensions of the kinds `limits` takes, as a person reads them: ".md, .txt or .pdf". */
export const acceptedExtensions = (limits: DocumentFileLimits) => listed(limits.mediaTypes.flatMap((type) => DOCUMENT_FILE_EXTENSIONS[type]));

/** A file's bytes in base64, as the server takes a PDF (in slices: one `fromCharCode` call per 32 KB). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let at = 0; at < bytes.length; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return btoa(binary);
}

/**
 * A file's kind: by its extension first (browsers and systems disagree on Markdown's MIME type,
 * often giving none), then by the type the browser gave.
 */
export function documentMediaType(file: { name: string; type: string }): DocumentFileType | null {
  const extension = /\.([^.]+)$/.exec(file.name)?.[1]?.toLowerCase();
  if (extension && extension in BY_EXTENSION) return BY_EXTENSION[extension]!;
  if (file.type === 'text/markdown' || file.type === 'text/x-markdown') return 'text/markdown';
  if (file.type === 'text/plain') return 'text/plain';
  if (file.type === 'application/pdf') return 'application/pdf';
  return null;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * Reads a dropped or picked file as a document to import, or says why it cannot be one: a kind the
 * server does not take, more bytes than it takes, or text that is not UTF-8. What the server checks
 * beyond these (empty text, NUL characters, a PDF without text) it answers itself, per file.
 */
export async function readDocumentFile(file: File, limits: DocumentFileLimits): Promise<ReadDocumentFile> {
  const mediaType = documentMediaType(file);
  if (!mediaType || !limits.mediaTypes.includes(mediaType)) {
    return { ok: false, problem: `Not a kind of file this repository takes (${acceptedExtensions(limits)})` };
  }
  if (file.size > limits.maxDocumentBytes) {
    return { ok: false, problem: `Larger than ${formatBytes(limits.maxDocumentBytes)} (${formatBytes(file.size)}): split it into smaller files` };
  }
  const title = (file.name.replace(/\.[^.]+$/, '').trim() || file.name).slice(0, 300);
  if (mediaType === 'application/pdf' && file.size === 0) return { ok: false, problem: 'The file is empty' };
  let bytes: ArrayBuffer;
  try {
    bytes = await file.arrayBuffer();
  } catch (error) {
    // Moved, deleted or unreadable since it was picked.
    return { ok: false, problem: `Could not be read: ${error instanceof Error ? error.message : String(error)}` };
  }
  // A PDF goes as its bytes: the server extracts its text (and says so when it cannot).
  if (mediaType === 'application/pdf') return { ok: true, document: { title, mediaType, content: toBase64(new Uint8Array(bytes)) } };
  try {
    // `fatal`: bytes that are not UTF-8 are refused rather than turned into U+FFFD. The BOM is dropped.
    return { ok: true, document: { title, mediaType, content: new TextDecoder('utf-8', { fatal: true }).decode(bytes) } };
  } catch {
    return { ok: false, problem: 'Not UTF-8 text: save it as UTF-8 and add it again' };
  }
}
