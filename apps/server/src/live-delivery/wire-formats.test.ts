import { transformer } from '@aae/api/transformer';
import { formatEventId, type StoredEvent } from '@aae/events';
import { tracked } from '@trpc/server';
import { sseStreamProducer } from '@trpc/server/unstable-core-do-not-import';
import { describe, expect, it } from 'vitest';
import { trpcErrorMessage, trpcFormat } from './wire-formats.ts';

const events: StoredEvent[] = [1, 2].map(
  (sequence) =>
    ({
      id: 40 + sequence,
      executionId: 9,
      sequence,
      createdAt: new Date(Date.UTC(2026, 10, 30, 12, 0, 0, sequence)),
      eventType: 'progress',
      eventData: {
        currentStep: sequence,
        totalSteps: 2,
        percentage: 50 * sequence,
        message: 'ünïcode "quoted"\nline',
        timestamp: '2026-11-30T12:00:00.001Z',
        eventId: formatEventId(9, sequence),
      },
    }) as StoredEvent,
);

/** Everything tRPC's own SSE producer writes for `data`, as text. */
async function producedByTrpc(data: AsyncIterable<unknown>, options: { ping?: boolean } = {}) {
  const stream = sseStreamProducer({
    data,
    serialize: (value) => transformer.output.serialize(value),
    client: { reconnectAfterInactivityMs: 25_000 },
    ping: { enabled: options.ping ?? false, intervalMs: 5 },
    formatError: ({ error }) => ({ message: (error as Error).message, code: -32001 }),
  });
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
  return text;
}

describe('the typed subscription’s wire format', () => {
  it('writes the bytes tRPC’s SSE producer writes: connected, each tracked event, and the end', async () => {
    const theirs = await producedByTrpc(
      (async function* () {
        for (const event of events) yield tracked(event.eventData.eventId, event);
      })(),
    );
    const ours = trpcFormat.preamble() + Buffer.concat([trpcFormat.events(events), trpcFormat.ending!]).toString();
    expect(ours).toBe(theirs);
    // One event alone is the same bytes as within a page.
    expect(trpcFormat.event(events[1]!).toString()).toBe(trpcFormat.events(events).subarray(trpcFormat.event(events[0]!).length).toString());
  });

  it('pings and ends with an error as tRPC does', async () => {
    const theirs = await producedByTrpc(
      (async function* () {
        // Idle for ten of tRPC's ping intervals (timers fire in order, however late), then the stream fails.
        await new Promise<void>((resolve) => setTimeout(resolve, 50));
        yield* [];
        throw new Error('This token was revoked');
      })(),
      { ping: true },
    );
    const messages = theirs.split('\n\n\n');
    expect(messages).toContain(trpcFormat.ping.toString().replace('\n\n\n', ''));
    expect(`${messages.at(-2)}\n\n\n`).toBe(trpcErrorMessage({ message: 'This token was revoked', code: -32001 }));
  });
});
