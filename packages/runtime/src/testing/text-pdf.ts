/** Text as a PDF string literal: backslashes and parentheses escaped. */
const literal = (text: string) => `(${text.replace(/[\\()]/g, (character) => `\\${character}`)})`;

/**
 * A small, valid PDF (1.4, Helvetica, one page per entry) holding these lines, for tests: built
 * here with its cross-reference table so tests need no PDF files checked in. Latin-1 text only.
 */
export function textPdf(pages: readonly (readonly string[])[]): Uint8Array {
  const pageIds = pages.map((_, index) => 4 + index * 2);
  const objects: string[] = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  for (const [index, lines] of pages.entries()) {
    const stream = `BT /F1 12 Tf 72 720 Td 16 TL ${lines.map((line) => `${literal(line)} '`).join(' ')} ET`;
    objects.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${pageIds[index]! + 1} 0 R /Resources << /Font << /F1 3 0 R >> >> >>`);
    objects.push(`<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`);
  }
  return pdfOfObjects(objects.map((object) => Buffer.from(object, 'latin1')));
}

/** A PDF (1.4) of these objects, numbered from 1 (the first is the catalog), with its cross-reference table. */
export function pdfOfObjects(objects: readonly Uint8Array[]): Uint8Array {
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n', 'latin1')];
  let length = parts[0]!.length;
  const offsets: number[] = [];
  for (const [index, object] of objects.entries()) {
    offsets.push(length);
    const part = Buffer.concat([Buffer.from(`${index + 1} 0 obj\n`, 'latin1'), object, Buffer.from('\nendobj\n', 'latin1')]);
    parts.push(part);
    length += part.length;
  }
  let tail = `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) tail += `${String(offset).padStart(10, '0')} 00000 n \n`;
  tail += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`;
  parts.push(Buffer.from(tail, 'latin1'));
  return new Uint8Array(Buffer.concat(parts));
}

/** A stream object: its dictionary entries (besides /Length) and its bytes. */
export function streamObject(entries: string, data: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from(`<< /Length ${data.length} ${entries} >>\nstream\n`, 'latin1'), data, Buffer.from('\nendstream', 'latin1')]);
}
