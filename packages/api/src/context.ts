import { randomUUID } from 'node:crypto';
import type { Identity } from '@aae/auth';
import type { AppServices } from '@aae/runtime';

/** Where a request came from, for the audit log. */
export interface RequestOrigin {
  ipAddress: string | null;
  userAgent: string | null;
}

export interface Context {
  services: AppServices;
  /** Who the request acts as, or null (anonymous, or a refused credential). */
  identity: Identity | null;
  /** Why a credential that was sent was refused (expired, revoked, disabled…); null when none was sent. */
  authProblem: string | null;
  origin: RequestOrigin;
  /** Names this request in the server's log; an answer to a failure quotes it. */
  requestId: string;
}

/** Pure: tests build a context from services and an identity without any HTTP request. */
export function createContextInner(opts: {
  services: AppServices;
  identity: Identity | null;
  authProblem?: string | null;
  origin?: RequestOrigin;
  requestId?: string;
}): Context {
  return {
    services: opts.services,
    identity: opts.identity,
    authProblem: opts.authProblem ?? null,
    origin: opts.origin ?? { ipAddress: null, userAgent: null },
    requestId: opts.requestId ?? randomUUID(),
  };
}

/** An `Origin` header naming a page that is not the web app's (browsers send it on POSTs, and on cross-origin GETs). */
function foreignOrigin(origin: string | null, allowed: readonly string[] | undefined): boolean {
  if (!origin || !allowed) return false;
  return !allowed.includes(origin);
}

/**
 * A request's context: the identity its session cookie, `Authorization: Bearer` token, or a watch
 * token passed outside the headers (tRPC connection params, a URL) proves. A session cookie sent
 * because another site's page asked the browser to is not used.
 */
export async function createContext(
  services: AppServices,
  request: {
    headers: Headers;
    token?: string | null | undefined;
    ipAddress: string | null;
    requestId?: string;
    /** The origins the web app is served from: a cookie sent with another `Origin` is not used. */
    allowedOrigins?: readonly string[];
  },
): Promise<Context> {
  // A browser marks what another site's page made it send: a link, a form, an image elsewhere.
  const fetchSite = request.headers.get('sec-fetch-site');
  const { identity, problem } = await services.resolveIdentity({
    headers: request.headers,
    token: request.token,
    crossSite: fetchSite === 'cross-site' || fetchSite === 'same-site' || foreignOrigin(request.headers.get('origin'), request.allowedOrigins),
  });
  return createContextInner({
    services,
    identity,
    authProblem: problem,
    origin: { ipAddress: request.ipAddress, userAgent: request.headers.get('user-agent') },
    ...(request.requestId ? { requestId: request.requestId } : {}),
  });
}
