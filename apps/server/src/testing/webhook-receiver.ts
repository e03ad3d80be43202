import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request the receiver took, with whether its signature verified against its path's secret. */
export interface ReceivedWebhook {
  path: string;
  id: string;
  timestamp: string;
  body: string;
  verified: boolean;
  /** The parsed body, when it verified. */
  payload: { type: string; timestamp: string; data: Record<string, unknown> } | null;
  /** What the receiver answered (null: it never did). */
  answered: number | null;
}

/** How a path answers a request: a status code, or `hang` (no answer until the receiver closes). */
export type WebhookAnswer = (request: { path: string; id: string; seen: number }) => number | 'hang';

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Every request, in arrival order (retries and resends included). */
  received: ReceivedWebhook[];
  /** The verified messages of a path, one per `webhook-id` (a receiver's deduplication). */
  messages(path: string): ReceivedWebhook[];
  /** Verifies requests to `path` with this secret from now on. */
  secret(path: string, secret: string): void;
  /** How requests to `path` are answered from now on (default 200). */
  answer(path: string, answer: WebhookAnswer): void;
  close(): Promise<void>;
}

/** A webhook receiver on loopback that verifies signatures with `standardwebhooks`, as a real one would. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const secrets = new Map<string, string>();
  const answers = new Map<string, WebhookAnswer>();
  const seenById = new Map<string, number>();
  const hanging = new Set<ServerResponse>();

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = request.url ?? '/';
    const headers = {
      'webhook-id': String(request.headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(request.headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(request.headers['webhook-signature'] ?? ''),
    };
    const secret = secrets.get(path);
    let payload: ReceivedWebhook['payload'] = null;
    try {
      if (secret) payload = new Webhook(secret).verify(body, headers) as ReceivedWebhook['payload'];
    } catch {
      payload = null;
    }
    const seen = (seenById.get(headers['webhook-id']) ?? 0) + 1;
    seenById.set(headers['webhook-id'], seen);
    const answer = (answers.get(path) ?? (() => 200))({ path, id: headers['webhook-id'], seen });
    const entry: ReceivedWebhook = {
      path,
      id: headers['webhook-id'],
      timestamp: headers['webhook-timestamp'],
      body,
      verified: payload !== null,
      payload,
      answered: null,
    };
    received.push(entry);
    if (answer === 'hang') {
      hanging.add(response);
      return;
    }
    entry.answered = answer;
    response.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'not now');
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    messages(path) {
      const byId = new Map<string, ReceivedWebhook>();
      for (const entry of received) if (entry.path === path && entry.verified && !byId.has(entry.id)) byId.set(entry.id, entry);
      return [...byId.values()];
    },
    secret(path, secret) {
      secrets.set(path, secret);
    },
    answer(path, answer) {
      answers.set(path, answer);
    },
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
