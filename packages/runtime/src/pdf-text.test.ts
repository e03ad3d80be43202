import { describe, expect, it } from 'vitest';
import { extractPdfText, PdfUnreadableError } from './pdf-text.ts';
import { textPdf } from './testing/text-pdf.ts';

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
