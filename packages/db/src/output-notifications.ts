import { z } from 'zod';

/** The text models write, as JSON: the one channel that carries content, as that text is stored only once its prompt completes. */
export const OUTPUT_CHANNEL = 'aae_output';

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
export const MAX_PAYLOAD_BYTES = 7_900;

/** What one process hands on of one execution's live text at a time: pieces in order, and what ended. */
export interface OutputBatch {
  executionId: number;
  /**
   * At most one piece per prompt, in the order the prompts wrote; `offset` is where the piece
   * starts in its prompt's text (in UTF-16 code units, as JavaScript counts a string's length).
   */
  pieces: Array<{ promptId: number; offset: number; text: string }>;
  /** Prompts whose text so far other processes may forget (they completed). */
  promptsEnded: number[];
  /** The execution ended: every prompt's text so far may be forgotten. */
  executionEnded: boolean;
}

/**
 * One NOTIFY on the output channel, as JSON: the sending process, the execution, `[promptId,
 * offset, text]` pieces in the order written, and what ended (in the last payload of a batch only).
 */
const outputNotificationSchema = z.object({
  process: z.string().min(1),
  executionId: z.number().int().positive(),
  pieces: z.array(z.tuple([z.number().int().positive(), z.number().int().nonnegative(), z.string()])),
  promptsEnded: z.array(z.number().int().positive()).optional(),
  executionEnded: z.literal(true).optional(),
});
export type OutputNotification = z.infer<typeof outputNotificationSchema>;

/** The UTF-8 bytes a code point takes inside a JSON string, escaped as `JSON.stringify` escapes it. */
function jsonStringBytes(codePoint: number): number {
  if (codePoint === 0x22 || codePoint === 0x5c) return 2;
  // \b \t \n \f \r have short escapes; other control characters are written \u00XX.
  if (codePoint < 0x20) return [0x08, 0x09, 0x0a, 0x0c, 0x0d].includes(codePoint) ? 2 : 6;
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  // A lone surrogate (a pair is one code point above 0xFFFF): written \uXXXX, so the payload stays valid UTF-8.
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) return 6;
  return codePoint < 0x10000 ? 3 : 4;
}

/** The longest start of `text` that takes at most `room` bytes in JSON, never ending inside a surrogate pair. */
function fittingStart(text: string, room: number): { length: number; bytes: number } {
  let length = 0;
  let bytes = 0;
  while (length < text.length) {
    const codePoint = text.codePointAt(length)!;
    const cost = jsonStringBytes(codePoint);
    if (bytes + cost > room) break;
    bytes += cost;
    length += codePoint > 0xffff ? 2 : 1;
  }
  return { length, bytes };
}

/**
 * The NOTIFY payloads of one batch, each under PostgreSQL's limit: long text is split across
 * payloads at code point boundaries and rejoined in order by the reader; the end markers ride on
 * the last payload, after every piece.
 */
export function encodeOutputNotifications(processId: string, batch: OutputBatch): string[] {
  const ends = {
    ...(batch.promptsEnded.length > 0 ? { promptsEnded: batch.promptsEnded } : {}),
    ...(batch.executionEnded ? { executionEnded: true as const } : {}),
  };
  const encode = (pieces: OutputNotification['pieces'], last: boolean): string =>
    JSON.stringify({ process: processId, executionId: batch.executionId, pieces, ...(last ? ends : {}) } satisfies OutputNotification);
  // Every payload is sized as if it carried the end markers: any of them may turn out to be the last.
  const envelope = Buffer.byteLength(encode([], true));
  const payloads: string[] = [];
  let pieces: OutputNotification['pieces'] = [];
  let used = envelope;
  for (const piece of batch.pieces) {
    let { offset, text: rest } = piece;
    while (rest.length > 0) {
      // `[promptId,offset,""]` and the comma before it.
      const overhead = Buffer.byteLength(JSON.stringify([piece.promptId, offset, ''])) + 1;
      const fitting = fittingStart(rest, MAX_PAYLOAD_BYTES - used - overhead);
      if (fitting.length === 0) {
        if (pieces.length === 0) throw new Error(`an output notification of execution ${batch.executionId} has no room for text`);
        payloads.push(encode(pieces, false));
        pieces = [];
        used = envelope;
        continue;
      }
      pieces.push([piece.promptId, offset, rest.slice(0, fitting.length)]);
      used += overhead + fitting.bytes;
      offset += fitting.length;
      rest = rest.slice(fitting.length);
    }
  }
  if (pieces.length > 0 || batch.promptsEnded.length > 0 || batch.executionEnded) payloads.push(encode(pieces, true));
  return payloads;
}

/** A payload from the output channel, or null for one that is not ours. */
export function decodeOutputNotification(payload: string): OutputNotification | null {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return null;
  }
  const parsed = outputNotificationSchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

/**
 * The ends a payload carries, without its text (a payload of its own), or null when it carries
 * none: what is worth sending after the connection returns, as other processes would otherwise
 * keep the text of those prompts for good; the text itself is stale by then.
 */
export function outputEndsOf(payload: string): string | null {
  const notification = decodeOutputNotification(payload);
  if (!notification || (!notification.executionEnded && (notification.promptsEnded ?? []).length === 0)) return null;
  return JSON.stringify({ ...notification, pieces: [] } satisfies OutputNotification);
}
