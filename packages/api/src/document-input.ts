import type { NewKnowledgeDocument } from '@aae/db';
import { DOCUMENT_FILE_TYPES, MAX_DOCUMENT_BYTES, PDF_MEDIA_TYPE } from '@aae/events';
import { extractPdfText, PdfUnreadableError } from '@aae/runtime';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const TOO_LARGE = `larger than 1 MB (${MAX_DOCUMENT_BYTES} bytes`;

const base64Bytes = (content: string) => (content.length / 4) * 3 - (content.endsWith('==') ? 2 : content.endsWith('=') ? 1 : 0);

/** One document to add: Markdown or plain text as text, or a PDF's bytes in base64 (its text is stored). */
export const documentInputSchema = z
  .object({
    title: z.string().trim().min(1, 'title is required').max(300),
    mediaType: z.enum(DOCUMENT_FILE_TYPES, {
      error: `mediaType must be ${DOCUMENT_FILE_TYPES.slice(0, -1)
        .map((type) => `"${type}"`)
        .join(', ')} or "${DOCUMENT_FILE_TYPES.at(-1)}"`,
    }),
    content: z.string(),
  })
  .superRefine(({ mediaType, content }, context) => {
    const problem = (message: string) => context.addIssue({ code: 'custom', path: ['content'], message });
    if (mediaType === PDF_MEDIA_TYPE) {
      if (content.length === 0) problem('content is empty');
      else if (content.length % 4 !== 0 || !BASE64.test(content)) problem("content of a PDF must be the file's bytes in base64");
      else if (base64Bytes(content) > MAX_DOCUMENT_BYTES) problem(`the PDF is ${TOO_LARGE}); split the document`);
    } else if (content.trim().length === 0) problem('content is empty');
    else if (Buffer.byteLength(content, 'utf8') > MAX_DOCUMENT_BYTES) problem(`content is ${TOO_LARGE} of UTF-8); split the document`);
  });

export type DocumentInput = z.output<typeof documentInputSchema>;

/**
 * The documents as stored: a PDF becomes plain text (its pages' text), one at a time to bound the
 * memory a request takes, until `signal` (the request's) aborts. A PDF whose text cannot be had is
 * bad input, named by its place.
 */
export async function toStoredDocuments(documents: readonly DocumentInput[], signal?: AbortSignal): Promise<NewKnowledgeDocument[]> {
  const stored: NewKnowledgeDocument[] = [];
  for (const [index, document] of documents.entries()) {
    if (document.mediaType !== PDF_MEDIA_TYPE) {
      stored.push({ title: document.title, mediaType: document.mediaType, content: document.content });
      continue;
    }
    try {
      stored.push({ title: document.title, mediaType: 'text/plain', content: await extractPdfText(Buffer.from(document.content, 'base64'), { signal }) });
    } catch (error) {
      if (!(error instanceof PdfUnreadableError)) throw error;
      throw new TRPCError({ code: 'BAD_REQUEST', message: `Invalid input: documents.${index}.content: ${error.message}`, cause: error });
    }
  }
  return stored;
}
