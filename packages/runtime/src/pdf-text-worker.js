/**
 * Reads one PDF's text in a worker thread, so that whatever pdf.js does with a hostile file (a
 * rejection it never handles, a decompression bomb, a page tree listing one page thousands of
 * times) stays in this thread, which its parent can stop. Plain JavaScript: it runs as is under
 * tsx and vitest, and the server's build bundles it as a second entry.
 *
 * In (workerData): { bytes: Uint8Array, maxPages: number, maxTextBytes: number }.
 * Out (one message): { text: string } or { refusal: 'password' | 'pages' | 'too-large' | 'unreadable', detail: string }.
 */
import { parentPort, workerData } from 'node:worker_threads';

/** pdf.js' own log: errors only (its warnings name internals a person cannot act on). */
const ERRORS_ONLY = 0;
const PAGE_SEPARATOR = '\n\n';

/** Once the answer is sent, pdf.js' leftovers no longer matter; the parent ends this thread. */
process.on('unhandledRejection', () => {});

async function pageText(pdf, pageNumber) {
  const page = await pdf.getPage(pageNumber);
  try {
    const content = await page.getTextContent();
    return content.items
      .filter((item) => item.str != null)
      .map((item) => item.str + (item.hasEOL ? '\n' : ''))
      .join('')
      .replaceAll('\u0000', '')
      .trim();
  } finally {
    page.cleanup();
  }
}

async function read({ bytes, maxPages, maxTextBytes }) {
  const { getDocumentProxy } = await import('unpdf');
  let pdf;
  try {
    pdf = await getDocumentProxy(bytes, { verbosity: ERRORS_ONLY });
  } catch (error) {
    if (error?.name === 'PasswordException') return { refusal: 'password', detail: '' };
    return { refusal: 'unreadable', detail: error instanceof Error ? error.message : String(error) };
  }
  try {
    if (pdf.numPages > maxPages) return { refusal: 'pages', detail: String(pdf.numPages) };
    const pages = [];
    let textBytes = 0;
    // Page by page, stopping at the limit: a long document costs no more than its first megabyte.
    for (let pageNumber = 1; pageNumber <= pdf.numPages; pageNumber++) {
      const text = await pageText(pdf, pageNumber);
      if (text.length === 0) continue;
      textBytes += Buffer.byteLength(text, 'utf8') + (pages.length > 0 ? PAGE_SEPARATOR.length : 0);
      if (textBytes > maxTextBytes) return { refusal: 'too-large', detail: '' };
      pages.push(text);
    }
    return { text: pages.join(PAGE_SEPARATOR) };
  } catch (error) {
    return { refusal: 'unreadable', detail: error instanceof Error ? error.message : String(error) };
  } finally {
    await pdf.destroy().catch(() => {});
  }
}

parentPort.postMessage(await read(workerData));
