import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { CheckedDestination } from './destination-policy.ts';

/** One signed message, as Standard Webhooks has it. */
export interface WebhookMessage {
  messageId: string;
  /** The exact body: the signature covers these bytes. */
  payload: string;
  /** `whsec_…` */
  secret: string;
}

/** What one attempt got: a status code, or the error that prevented one. */
export interface SendResult {
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/** The body of a response is read this far at most, and only to free the connection. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/** The three Standard Webhooks headers for a message sent now. */
export function signWebhook(message: WebhookMessage, now = new Date()): Record<string, string> {
  return {
    'webhook-id': message.messageId,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': new Webhook(message.secret).sign(message.messageId, now, message.payload),
  };
}

/**
 * POSTs a signed message to a checked destination, connecting to the address that was checked (the
 * host name is not looked up again, so it cannot be rebound to another address in between), with
 * no redirects followed and a timeout over the whole exchange.
 */
export function sendWebhook(destination: CheckedDestination, message: WebhookMessage, timeoutMs: number, stop?: AbortSignal): Promise<SendResult> {
  const startedAt = performance.now();
  const elapsed = () => Math.round(performance.now() - startedAt);
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: destination.address, family: destination.family }]);
    else callback(null, destination.address, destination.family);
  };
  const body = Buffer.from(message.payload);
  const transport = destination.url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const request = transport.request(
      destination.url,
      {
        method: 'POST',
        lookup: pinned,
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': String(body.length),
          'user-agent': 'assistant-architect-events-webhooks',
          ...signWebhook(message),
        },
        signal: AbortSignal.timeout(timeoutMs),
      },
      (response) => {
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) response.destroy();
        });
        const done = () => resolve({ statusCode: response.statusCode ?? null, latencyMs: elapsed(), error: null });
        response.once('end', done);
        response.once('close', done);
        response.once('error', done);
      },
    );
    const onStop = () => request.destroy(new Error('the worker stopped'));
    stop?.addEventListener('abort', onStop, { once: true });
    request.once('close', () => stop?.removeEventListener('abort', onStop));
    request.once('error', (error: NodeJS.ErrnoException) => {
      const reason = error.name === 'AbortError' ? `no answer within ${timeoutMs} ms` : (error.code ?? error.message);
      resolve({ statusCode: null, latencyMs: elapsed(), error: reason });
    });
    request.end(body);
  });
}
