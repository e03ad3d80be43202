import { MAX_DOCUMENT_BYTES } from '@aae/events';

/** A PDF whose text cannot be had: not a PDF, encrypted, damaged, a scan without text, or too much text. */
export class PdfUnreadableError extends Error {
  override name = 'PdfUnreadableError';
}

/** pdf.js' own log: errors only (its warnings name internals a person cannot act on). */
const ERRORS_ONLY = 0;

/**
 * The text of a PDF, page after page (pdf.js through unpdf). NUL characters, which PostgreSQL text
 * cannot hold, are dropped; a PDF with no text at all (a scan) or more text than a document may hold
 * is refused with a reason a person can act on.
 */
export async function extractPdfText(bytes: Uint8Array): Promise<string> {
  // pdf.js is large: loaded with the first PDF, not with every process.
  const { extractText, getDocumentProxy } = await import('unpdf');
  let pages: string[];
  try {
    // pdf.js takes the buffer over: it gets a copy.
    const pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: ERRORS_ONLY });
    try {
      ({ text: pages } = await extractText(pdf, { mergePages: false }));
    } finally {
      await pdf.destroy();
    }
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'PasswordException') throw new PdfUnreadableError('the PDF is protected by a password; remove it and add the file again');
    throw new PdfUnreadableError(`not a readable PDF (${error instanceof Error ? error.message : String(error)})`);
  }
  const text = pages
    .map((page) => page.replaceAll('\u0000', '').trim())
    .filter(Boolean)
    .join('\n\n');
  if (text.length === 0) throw new PdfUnreadableError('the PDF has no text to extract (a scanned image?); run it through OCR first');
  if (Buffer.byteLength(text, 'utf8') > MAX_DOCUMENT_BYTES) {
    throw new PdfUnreadableError(`the PDF's text is larger than 1 MB (${MAX_DOCUMENT_BYTES} bytes of UTF-8); split the document`);
  }
  return text;
}
