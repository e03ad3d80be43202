import { fnv1a } from '../fnv1a.ts';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake provider answers to one chat completion request. */
export type ChatReply =
  | { kind: 'error'; status: number; message: string }
  | {
      kind: 'text';
      text: string;
      /** Reported usage; omitted from the stream when null. */
      usage?: { prompt_tokens: number; completion_tokens: number } | null;
      chunkSize?: number;
      chunkDelayMs?: number;
    }
  | { kind: 'tool-calls'; calls: Array<{ name: string; arguments: Record<string, unknown> }> };

export interface ChatRequest {
  model: string;
  messages: Array<{ role: string; content?: unknown; tool_calls?: unknown; tool_call_id?: string }>;
  tools?: Array<{ type: string; function: { name: string; description?: string; parameters?: unknown } }>;
  stream?: boolean;
  max_tokens?: number;
  stream_options?: { include_usage?: boolean };
}

export interface FakeProvider {
  baseURL: string;
  /** Every chat request received, in order. */
  chatRequests: ChatRequest[];
  embeddingRequests: Array<{ model: string; input: string[] }>;
  /** Decides each reply; replace it per test. */
  reply: (request: ChatRequest, index: number) => ChatReply;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** A deterministic 64-dimension embedding: words hashed into buckets. */
function embed(text: string): number[] {
  const vector = Array.from({ length: 64 }, () => 0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    vector[fnv1a(word) % 64]! += 1;
  }
  return vector;
}

export const defaultReply = (request: ChatRequest): ChatReply => {
  const last = request.messages.at(-1);
  if (last?.role === 'tool') return { kind: 'text', text: `The tool answered: ${JSON.stringify(last.content)}` };
  return { kind: 'text', text: 'A reply from the loopback provider, streamed in small pieces.' };
};

/**
 * An OpenAI-compatible HTTP server on loopback speaking the real streaming protocol: SSE chunks of
 * `chat.completion.chunk`, streamed tool calls, a final usage chunk, `[DONE]`; and `/embeddings`.
 * It stands in for OpenAI, Ollama, vLLM or LM Studio in tests.
 */
export async function startFakeProvider(): Promise<FakeProvider> {
  const chatRequests: ChatRequest[] = [];
  const embeddingRequests: Array<{ model: string; input: string[] }> = [];
  const provider: FakeProvider = {
    baseURL: '',
    chatRequests,
    embeddingRequests,
    reply: defaultReply,
    close: async () => {},
  };

  const server: Server = createServer(async (req, res) => {
    try {
      if (req.method === 'POST' && req.url === '/v1/embeddings') {
        const body = (await readJson(req)) as { model: string; input: string | string[] };
        const input = Array.isArray(body.input) ? body.input : [body.input];
        embeddingRequests.push({ model: body.model, input });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            object: 'list',
            model: body.model,
            data: input.map((text, index) => ({ object: 'embedding', index, embedding: embed(text) })),
            usage: { prompt_tokens: input.length, total_tokens: input.length },
          }),
        );
        return;
      }
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `No route ${req.method} ${req.url}` } }));
        return;
      }
      const request = (await readJson(req)) as ChatRequest;
      const index = chatRequests.push(request) - 1;
      const reply = provider.reply(request, index);
      if (reply.kind === 'error') {
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: reply.message, type: 'invalid_request_error', code: null } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      const base = { id: `chatcmpl-${index}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: request.model };
      const send = (payload: unknown) => res.write(`data: ${JSON.stringify(payload)}\n\n`);
      const includeUsage = request.stream_options?.include_usage === true;
      if (reply.kind === 'tool-calls') {
        send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: null }, finish_reason: null }] });
        reply.calls.forEach((call, callIndex) => {
          const args = JSON.stringify(call.arguments);
          send({
            ...base,
            choices: [
              {
                index: 0,
                delta: { tool_calls: [{ index: callIndex, id: `call_${index}_${callIndex}`, type: 'function', function: { name: call.name, arguments: '' } }] },
                finish_reason: null,
              },
            ],
          });
          // Arguments arrive in pieces, as real providers send them.
          for (let i = 0; i < args.length; i += 8) {
            send({
              ...base,
              choices: [{ index: 0, delta: { tool_calls: [{ index: callIndex, function: { arguments: args.slice(i, i + 8) } }] }, finish_reason: null }],
            });
          }
        });
        send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] });
        if (includeUsage) send({ ...base, choices: [], usage: { prompt_tokens: 20, completion_tokens: 10, total_tokens: 30 } });
      } else {
        const size = reply.chunkSize ?? 6;
        const text = request.max_tokens !== undefined ? reply.text.split(' ').slice(0, request.max_tokens).join(' ') : reply.text;
        send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
        for (let i = 0; i < text.length; i += size) {
          if (reply.chunkDelayMs) await new Promise((resolve) => setTimeout(resolve, reply.chunkDelayMs));
          if (res.destroyed) return;
          send({ ...base, choices: [{ index: 0, delta: { content: text.slice(i, i + size) }, finish_reason: null }] });
        }
        send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: request.max_tokens !== undefined && text !== reply.text ? 'length' : 'stop' }] });
        const usage = reply.usage === undefined ? { prompt_tokens: 11, completion_tokens: 7 } : reply.usage;
        if (includeUsage && usage) send({ ...base, choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } });
      }
      res.write('data: [DONE]\n\n');
      res.end();
    } catch (error) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: String(error) } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  provider.baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  provider.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return provider;
}
