import type { IncomingMessage, ServerResponse } from 'node:http';
import { findUnstorableText } from '@aae/api';
import type { Auth } from '@aae/auth';

/** Sign-in, sign-out and the rest are small JSON or form bodies. */
const MAX_AUTH_BODY_BYTES = 64 * 1024;

class BodyTooLargeError extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new BodyTooLargeError();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Whether the decoded request (path, query values, JSON or form fields) breaks the API's one rule
 * for text (`findUnstorableText`: a NUL, a lone surrogate, nesting past its bound).
 */
export function carriesNul(url: string, contentType: string | undefined, body: Buffer | undefined): boolean {
  const hasNul = (value: unknown): boolean => findUnstorableText(value) !== null;
  const parsed = new URL(url, 'http://localhost');
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    path = parsed.pathname;
  }
  if (hasNul(path) || [...parsed.searchParams].some(([key, value]) => hasNul(key) || hasNul(value))) return true;
  if (!body || body.length === 0) return false;
  const text = body.toString('utf8');
  if (hasNul(text)) return true;
  const type = (contentType ?? '').toLowerCase();
  // As loosely as better-auth's parser matches them (`application/…+json`, `application/json-seq`…).
  if (type.includes('x-www-form-urlencoded')) return [...new URLSearchParams(text)].some(([key, value]) => hasNul(key) || hasNul(value));
  if (type.includes('json')) {
    try {
      return hasNul(JSON.parse(text));
    } catch {
      // Not JSON after all: better-auth answers that itself.
    }
  }
  return false;
}

/**
 * `/api/auth/*`: better-auth's own endpoints (sign-in by password or single sign-on, its
 * callback, sign-out, the session), handed a Fetch request built on the deployment's public URL.
 */
export async function handleAuth(auth: Auth, baseURL: string, req: IncomingMessage, res: ServerResponse, headers: Headers): Promise<void> {
  let body: Buffer | undefined;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    try {
      body = await readBody(req, MAX_AUTH_BODY_BYTES);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify({ message: `The request body is larger than ${MAX_AUTH_BODY_BYTES} bytes`, code: 'BODY_TOO_LARGE' }));
      return;
    }
  }
  // PostgreSQL cannot store U+0000: a request carrying one is refused before it reaches a query.
  if (carriesNul(req.url ?? '/', req.headers['content-type'], body)) {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        message: 'The request contains text that cannot be stored (a NUL character (\\u0000), a lone surrogate, or nesting too deep)',
        code: 'NUL_CHARACTER',
      }),
    );
    return;
  }
  const request = new Request(new URL(req.url ?? '/', baseURL), {
    method: req.method ?? 'GET',
    headers,
    ...(body ? { body: new Uint8Array(body) } : {}),
  });
  const response = await auth.handler(request);
  const outgoing: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') outgoing[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) outgoing['set-cookie'] = cookies;
  res.writeHead(response.status, outgoing);
  res.end(Buffer.from(await response.arrayBuffer()));
}
