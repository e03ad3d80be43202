import { DOCUMENT_FILE_TYPES, DOCUMENT_MEDIA_TYPES, MAX_DOCUMENT_BYTES } from '@aae/events';
import { describe, expect, it } from 'vitest';
import { documentMediaType, formatBytes, readDocumentFile, toBase64 } from './read-document-file.ts';

const limits = { mediaTypes: DOCUMENT_FILE_TYPES, maxDocumentBytes: MAX_DOCUMENT_BYTES };

describe('readDocumentFile', () => {
  it('reads Markdown and plain text, titled by the file name without its extension', async () => {
    await expect(readDocumentFile(new File(['# Tides\n\nTwice a day.'], 'tides.md'), limits)).resolves.toEqual({
      ok: true,
      document: { title: 'tides', mediaType: 'text/markdown', content: '# Tides\n\nTwice a day.' },
    });
    await expect(readDocumentFile(new File(['Herons wait.'], 'Field notes.txt', { type: 'text/plain' }), limits)).resolves.toEqual({
      ok: true,
      document: { title: 'Field notes', mediaType: 'text/plain', content: 'Herons wait.' },
    });
  });

  it('keeps multi-byte text and drops a byte order mark', async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('Café — 東京')]);
    const read = await readDocumentFile(new File([bytes], 'cafe.txt'), limits);
    expect(read).toMatchObject({ ok: true, document: { content: 'Café — 東京' } });
  });

  it('sends a PDF as its bytes in base64, for the server to extract its text', async () => {
    const bytes = new Uint8Array(70_000).map((_, index) => index % 256);
    const read = await readDocumentFile(new File([bytes], 'Report 2026.pdf', { type: 'application/pdf' }), limits);
    expect(read).toEqual({ ok: true, document: { title: 'Report 2026', mediaType: 'application/pdf', content: Buffer.from(bytes).toString('base64') } });
    expect(toBase64(new Uint8Array())).toBe('');
  });

  it('refuses other kinds of file, naming the ones it takes', async () => {
    const read = await readDocumentFile(new File(['PK'], 'notes.docx'), limits);
    expect(read).toEqual({ ok: false, problem: 'Not a kind of file this repository takes (.txt, .text, .md, .markdown or .pdf)' });
    const textOnly = await readDocumentFile(new File(['%PDF-1.7'], 'report.pdf'), { ...limits, mediaTypes: DOCUMENT_MEDIA_TYPES });
    expect(textOnly).toEqual({ ok: false, problem: 'Not a kind of file this repository takes (.txt, .text, .md or .markdown)' });
  });

  it('refuses a file over the size the server takes, without reading it', async () => {
    const read = await readDocumentFile(new File([new Uint8Array(MAX_DOCUMENT_BYTES + 1).fill(97)], 'big.txt'), limits);
    expect(read).toEqual({ ok: false, problem: 'Larger than 1.0 MB (1.0 MB): split it into smaller files' });
    await expect(readDocumentFile(new File([new Uint8Array(MAX_DOCUMENT_BYTES).fill(97)], 'exact.txt'), limits)).resolves.toMatchObject({ ok: true });
  });

  it('refuses a file that cannot be read any more (moved or deleted since it was picked), PDF or text', async () => {
    for (const name of ['gone.pdf', 'gone.txt']) {
      const file = new File(['%PDF-1.7'], name);
      file.arrayBuffer = () => Promise.reject(new DOMException('A requested file could not be found', 'NotFoundError'));
      await expect(readDocumentFile(file, limits)).resolves.toEqual({ ok: false, problem: 'Could not be read: A requested file could not be found' });
    }
  });

  it('refuses bytes that are not UTF-8', async () => {
    const read = await readDocumentFile(new File([new Uint8Array([0x48, 0x69, 0xff, 0xfe, 0x00])], 'latin.txt'), limits);
    expect(read).toEqual({ ok: false, problem: 'Not UTF-8 text: save it as UTF-8 and add it again' });
  });
});

describe('documentMediaType', () => {
  it('goes by the extension first, then by the type the browser gave', () => {
    expect(documentMediaType({ name: 'a.MARKDOWN', type: '' })).toBe('text/markdown');
    expect(documentMediaType({ name: 'notes', type: 'text/markdown' })).toBe('text/markdown');
    expect(documentMediaType({ name: 'notes', type: 'text/plain' })).toBe('text/plain');
    expect(documentMediaType({ name: 'notes.docx', type: 'application/octet-stream' })).toBeNull();
  });
});

describe('formatBytes', () => {
  it('says bytes, kilobytes or megabytes', () => {
    expect([formatBytes(900), formatBytes(1536), formatBytes(200 * 1024), formatBytes(3 * 1024 * 1024)]).toEqual(['900 B', '1.5 KB', '200 KB', '3.0 MB']);
  });
});
