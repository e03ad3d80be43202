import type { IncomingMessage } from 'node:http';
import { CLIENT_ADDRESS_HEADER, WATCH_TOKEN_PREFIX } from '@aae/auth';
import proxyAddr from 'proxy-addr';

/**
 * Which proxies' `X-Forwarded-For` to believe (`TRUST_PROXY`): none by default, so the address is
 * the socket's; `loopback`, a list of addresses or CIDRs, or a number of hops, as Express reads it.
 */
export type TrustProxy = ReturnType<typeof proxyAddr.compile>;

export function compileTrustProxy(setting: string | undefined): TrustProxy {
  const value = setting?.trim();
  if (!value || value === 'false') return () => false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return (_address, index) => index < hops;
  }
  return proxyAddr.compile(value.split(',').map((part) => part.trim()));
}

/** The client's address: the socket's, or the nearest untrusted hop a trusted proxy reports. */
export function clientAddress(req: IncomingMessage, trust: TrustProxy): string | null {
  try {
    return proxyAddr(req, trust) || null;
  } catch {
    return req.socket.remoteAddress ?? null;
  }
}

/**
 * The request's headers as Fetch `Headers`, with the client's address set by the server (a
 * client-sent value under that name is dropped).
 */
export function requestHeaders(req: IncomingMessage, address: string | null): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === CLIENT_ADDRESS_HEADER || name.startsWith(':')) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  if (address) headers.set(CLIENT_ADDRESS_HEADER, address);
  return headers;
}

/**
 * A token sent in the URL (`?token=`, or tRPC's connection params, which travel in the URL of a
 * stream), for clients that cannot send headers (a plain EventSource, a link): only a watch token
 * is taken from there, since URLs end up in logs and browser histories; a personal access token
 * goes in the Authorization header.
 */
export function watchTokenInUrl(value: string | null | undefined): string | null {
  return value?.startsWith(WATCH_TOKEN_PREFIX) ? value : null;
}
