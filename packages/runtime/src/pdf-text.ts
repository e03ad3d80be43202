import { Worker } from 'node:worker_threads';
import { MAX_DOCUMENT_BYTES } from '@aae/events';

/** A PDF whose text cannot be had: not a PDF, encrypted, damaged, a scan without text, or too much text. */
export class PdfUnreadableError extends Error {
  override name = 'PdfUnreadableError';
}

/** The most pages a PDF may have: checked before any page is read. */
export const MAX_PDF_PAGES = 2_000;
/** How long one PDF may take to read, and how much heap its reading may use. */
export const PDF_READ_TIMEOUT_MS = 30_000;
export const PDF_READ_MEMORY_MB = 256;
/** PDFs read at once in this process; the rest wait their turn. */
export const PDF_READS_AT_ONCE = 2;

export interface PdfReadOptions {
  /** The caller gave up (its request ended): stop waiting or reading. */
  signal?: AbortSignal;
  timeoutMs?: number;
  memoryMb?: number;
  maxPages?: number;
}

type WorkerAnswer = { text: string } | { refusal: 'password' | 'pages' | 'too-large' | 'unreadable'; detail: string };

const TOO_LARGE = `the PDF's text is larger than 1 MB (${MAX_DOCUMENT_BYTES} bytes of UTF-8); split the document`;

/** A counting semaphore whose waiters leave the line when their signal aborts. */
class ReadSlots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(size: number) {
    this.free = size;
  }

  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.free > 0) {
      this.free--;
      return () => this.release();
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(granted), 1);
        reject(signal?.reason);
      };
      const granted = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.waiting.push(granted);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    return () => this.release();
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

const slots = new ReadSlots(PDF_READS_AT_ONCE);

/** The worker script, next to this module in the source and next to the bundle in the build. */
const workerUrl = new URL('./pdf-text-worker.js', import.meta.url);

function refusalOf(answer: Exclude<WorkerAnswer, { text: string }>, maxPages: number): PdfUnreadableError {
  switch (answer.refusal) {
    case 'password':
      return new PdfUnreadableError('the PDF is protected by a password; remove it and add the file again');
    case 'pages':
      return new PdfUnreadableError(`the PDF has ${answer.detail} pages, more than the ${maxPages} a document may have; split the document`);
    case 'too-large':
      return new PdfUnreadableError(TOO_LARGE);
    case 'unreadable':
      return new PdfUnreadableError(`not a readable PDF (${answer.detail})`);
  }
}

/** Runs the worker over one PDF: its answer, or a refusal when it fails, runs out of memory or time. */
function readInWorker(bytes: Uint8Array, options: Required<Omit<PdfReadOptions, 'signal'>> & { signal?: AbortSignal }): Promise<WorkerAnswer> {
  const { signal, timeoutMs, memoryMb, maxPages } = options;
  // pdf.js takes the buffer over: the worker gets a copy.
  const copy = new Uint8Array(bytes);
  return new Promise<WorkerAnswer>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const worker = new Worker(workerUrl, {
      workerData: { bytes: copy, maxPages, maxTextBytes: MAX_DOCUMENT_BYTES },
      transferList: [copy.buffer],
      resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: Math.min(32, memoryMb), stackSizeMb: 4 },
      stdout: true,
      stderr: true,
    });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      outcome();
    };
    const timer = setTimeout(
      () => settle(() => reject(new PdfUnreadableError(`the PDF took longer than ${timeoutMs / 1000} s to read; it may be damaged or built to be slow`))),
      timeoutMs,
    );
    const onAbort = () => settle(() => reject(signal?.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (answer: WorkerAnswer) => settle(() => resolve(answer)));
    worker.once('error', (error: Error & { code?: string }) =>
      settle(() =>
        reject(
          new PdfUnreadableError(
            error.code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? `the PDF needs more than ${memoryMb} MB of memory to read; it may be damaged or built to exhaust memory`
              : `not a readable PDF (${error.message})`,
          ),
        ),
      ),
    );
    worker.once('exit', (code) => settle(() => reject(new PdfUnreadableError(`not a readable PDF (its reader stopped with code ${code})`))));
  });
}

/**
 * The text of a PDF, page after page (pdf.js through unpdf), read in a worker thread with a heap
 * limit and a time limit, at most {@link PDF_READS_AT_ONCE} at once: a damaged or hostile file costs
 * a bounded amount and is refused, never the process. NUL characters, which PostgreSQL text cannot
 * hold, are dropped; a PDF with no text at all (a scan), too many pages or more text than a
 * document may hold is refused with a reason a person can act on.
 */
export async function extractPdfText(bytes: Uint8Array, options: PdfReadOptions = {}): Promise<string> {
  const { signal, timeoutMs = PDF_READ_TIMEOUT_MS, memoryMb = PDF_READ_MEMORY_MB, maxPages = MAX_PDF_PAGES } = options;
  const release = await slots.acquire(signal);
  let answer: WorkerAnswer;
  try {
    answer = await readInWorker(bytes, { signal, timeoutMs, memoryMb, maxPages });
  } finally {
    release();
  }
  if ('refusal' in answer) throw refusalOf(answer, maxPages);
  if (answer.text.length === 0) throw new PdfUnreadableError('the PDF has no text to extract (a scanned image?); run it through OCR first');
  return answer.text;
}
