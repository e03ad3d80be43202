import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

/** A webhook URL this deployment will not send to, with why. */
export class WebhookDestinationError extends Error {
  override name = 'WebhookDestinationError';
}

/** Which destinations beyond the public internet are allowed (`WEBHOOK_ALLOW_PRIVATE`, `WEBHOOK_ALLOWED_HOSTS`). */
export interface DestinationPolicy {
  /** Any address: loopback, private networks and the rest. */
  allowPrivate?: boolean;
  /** Host names (or literal addresses) allowed whatever they resolve to. */
  allowedHosts?: readonly string[];
}

/** A destination that passed the policy: the address to connect to, checked, so a second lookup cannot swap it. */
export interface CheckedDestination {
  url: URL;
  address: string;
  family: 4 | 6;
}

/**
 * The ranges ipaddr.js names that are not the public internet: loopback, private (RFC 1918),
 * link-local, unique-local (fc00::/7), carrier-grade NAT, multicast, unspecified, reserved,
 * and the IPv4-in-IPv6 and translation forms that reach them.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // `process` reads an IPv4-mapped IPv6 address (::ffff:127.0.0.1) as the IPv4 address it is.
  const parsed = ipaddr.process(address);
  // The deprecated IPv4-compatible form (::127.0.0.1, ::/96), which ipaddr.js calls unicast.
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).parts.slice(0, 6).every((part) => part === 0)) return false;
  return parsed.range() === 'unicast';
}

/** `promise`, or a rejection with `message` once `timeoutMs` passed (a system lookup cannot be cancelled, only left behind). */
function withinTime<T>(promise: Promise<T>, timeoutMs: number | undefined, message: string): Promise<T> {
  if (timeoutMs === undefined) return promise;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(message), { code: 'ETIMEOUT' })), timeoutMs);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * A webhook URL as the audit log keeps it: its origin and first path segment, the rest elided, no
 * query. Chat services' webhook URLs carry their credential in the path or the query.
 */
export function redactedWebhookUrl(text: string): string {
  try {
    const url = new URL(text);
    const [first, ...rest] = url.pathname.split('/').filter(Boolean);
    return `${url.origin}/${first ?? ''}${rest.length > 0 || url.search ? '/…' : ''}`;
  } catch {
    return '(not a URL)';
  }
}

/** A host as compared: lower case, an IPv6 address without its brackets. */
const bare = (host: string) => host.replace(/^\[(.*)\]$/, '$1').toLowerCase();

/** Parses and checks the form of a webhook URL (http or https, no credentials); the message names the problem. */
export function parseWebhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookDestinationError(`url: "${text.slice(0, 200)}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookDestinationError(`url: must be http:// or https://, not ${url.protocol}`);
  if (url.username || url.password) throw new WebhookDestinationError('url: must not carry a user name or password');
  return url;
}

/**
 * Resolves a webhook URL's host and checks every address it gives: a destination on loopback or a
 * private network is refused unless the policy allows it (a webhook must not reach into the
 * deployment's own network). Returns the address to connect to.
 */
export async function checkDestination(text: string, policy: DestinationPolicy, timeoutMs?: number): Promise<CheckedDestination> {
  const url = parseWebhookUrl(text);
  const host = bare(url.hostname);
  let addresses: Array<{ address: string; family: number }>;
  if (ipaddr.isValid(host)) {
    addresses = [{ address: host, family: ipaddr.parse(host).kind() === 'ipv6' ? 6 : 4 }];
  } else {
    try {
      addresses = await withinTime(lookup(host, { all: true, verbatim: true }), timeoutMs, `the lookup of ${host} took over ${timeoutMs} ms`);
    } catch (error) {
      throw new WebhookDestinationError(`url: the host ${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }
  const allowed = policy.allowPrivate === true || (policy.allowedHosts ?? []).some((name) => bare(name) === host);
  const refused = addresses.find(({ address }) => !isPublicAddress(address));
  if (refused && !allowed) {
    throw new WebhookDestinationError(
      `url: ${host} is ${refused.address}, a loopback, private or reserved address; set WEBHOOK_ALLOW_PRIVATE=true or list the host in WEBHOOK_ALLOWED_HOSTS to allow it`,
    );
  }
  const first = addresses[0];
  if (!first) throw new WebhookDestinationError(`url: the host ${host} has no address`);
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
