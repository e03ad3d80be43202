import { deflateSync } from 'node:zlib';
import { MAX_DOCUMENT_BYTES } from '@aae/events';
import { describe, expect, it } from 'vitest';
import { extractPdfText, MAX_PDF_PAGES, PdfUnreadableError } from './pdf-text.ts';
import { pdfOfObjects, streamObject, textPdf } from './testing/text-pdf.ts';

describe('extractPdfText', () => {
  it('gives the text of every page, in order, a blank line between pages', async () => {
    const pdf = textPdf([['Spring tides follow the full moon.', 'Neap tides come at the quarters (mostly).'], ['Herons wade in the marsh.']]);
    await expect(extractPdfText(pdf)).resolves.toBe(
      'Spring tides follow the full moon.\nNeap tides come at the quarters (mostly).\n\nHerons wade in the marsh.',
    );
  });

  it('refuses bytes that are not a PDF, saying so', async () => {
    const error = await extractPdfText(new TextEncoder().encode('just some text')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PdfUnreadableError);
    expect((error as Error).message).toMatch(/^not a readable PDF \(.+\)$/);
  });

  it('refuses a PDF with no text, as a scan would be', async () => {
    await expect(extractPdfText(textPdf([[]]))).rejects.toThrow('the PDF has no text to extract (a scanned image?); run it through OCR first');
  });
});

const latin1 = (text: string) => Buffer.from(text, 'latin1');

/** One page of this text, listed `times` times in the page tree: a small file with many pages to read. */
function repeatedPagePdf(times: number, text = 'Tides rise.'): Uint8Array {
  return pdfOfObjects([
    latin1('<< /Type /Catalog /Pages 2 0 R >>'),
    latin1(`<< /Type /Pages /Kids [${'4 0 R '.repeat(times)}] /Count ${times} >>`),
    latin1('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'),
    latin1('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R /Resources << /Font << /F1 3 0 R >> >> >>'),
    streamObject('', latin1(`BT /F1 12 Tf 72 720 Td (${text}) Tj ET`)),
  ]);
}

describe('extractPdfText with damaged or hostile files', () => {
  it('refuses a damaged cross-reference table, and pdf.js leaves no unhandled rejection behind', async () => {
    // A damaged object header and stream: pdf.js rejects a promise of its own that nobody awaits.
    const damaged = Buffer.from(textPdf([['a'], ['b']]))
      .toString('latin1')
      .replace('4 0 obj\n<<', '4 0 obj\n~<')
      .replace('6 0 obj\n', '6 0 obj\xf1');
    await expect(extractPdfText(latin1(damaged))).rejects.toBeInstanceOf(PdfUnreadableError);
    // The process still reads PDFs afterwards.
    await expect(extractPdfText(textPdf([['still here']]))).resolves.toBe('still here');
  });

  it('refuses a PDF with more pages than a document may have, before reading any', async () => {
    await expect(extractPdfText(repeatedPagePdf(MAX_PDF_PAGES + 1))).rejects.toThrow(
      `the PDF has ${MAX_PDF_PAGES + 1} pages, more than the ${MAX_PDF_PAGES} a document may have; split the document`,
    );
  });

  it('refuses a PDF that takes longer than the time limit to read', async () => {
    await expect(extractPdfText(repeatedPagePdf(MAX_PDF_PAGES), { timeoutMs: 50 })).rejects.toThrow(
      'the PDF took longer than 0.05 s to read; it may be damaged or built to be slow',
    );
  });

  it('refuses a PDF whose reading needs more memory than allowed', async () => {
    await expect(extractPdfText(textPdf([['a']]), { memoryMb: 2 })).rejects.toThrow(
      'the PDF needs more than 2 MB of memory to read; it may be damaged or built to exhaust memory',
    );
  });

  it('stops reading at the text limit of a document', async () => {
    // A deflated page of more than 1 MB of text: a small file, refused once its text passes the limit.
    const lines = `(${'A'.repeat(63)}) ' `.repeat(Math.ceil((MAX_DOCUMENT_BYTES * 1.05) / 63));
    const pdf = pdfOfObjects([
      latin1('<< /Type /Catalog /Pages 2 0 R >>'),
      latin1('<< /Type /Pages /Kids [4 0 R] /Count 1 >>'),
      latin1('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'),
      latin1('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R /Resources << /Font << /F1 3 0 R >> >> >>'),
      streamObject('/Filter /FlateDecode', deflateSync(latin1(`BT /F1 12 Tf 72 720 Td ${lines} ET`))),
    ]);
    expect(pdf.length).toBeLessThan(10_000);
    await expect(extractPdfText(pdf)).rejects.toThrow(`the PDF's text is larger than 1 MB (${MAX_DOCUMENT_BYTES} bytes of UTF-8); split the document`);
  });

  it('stops reading when its caller gives up', async () => {
    const controller = new AbortController();
    const reading = extractPdfText(repeatedPagePdf(MAX_PDF_PAGES), { signal: controller.signal });
    // Once its worker is on its way.
    setImmediate(() => controller.abort(new Error('request ended')));
    await expect(reading).rejects.toThrow('request ended');
    await expect(extractPdfText(textPdf([['x']]), { signal: controller.signal })).rejects.toThrow('request ended');
  });
});
