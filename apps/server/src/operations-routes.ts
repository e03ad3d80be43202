import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppServices } from '@aae/runtime';
import { describeWriteProblem, type Health } from './health.ts';
import type { AppMetrics } from './metrics.ts';

export interface OperationsRoutes {
  services: AppServices;
  role: 'all' | 'api' | 'worker';
  health: Health;
  metrics: AppMetrics;
  /** `METRICS_TOKEN`: when set, `/metrics` needs it as a bearer token; when not, only loopback peers get it. */
  metricsToken?: string | undefined;
  /**
   * `PUBLIC_URL` when it is not on loopback: people reach this server through a proxy or from
   * another host, and a proxy may relay requests from loopback without saying so, so without a
   * token nobody reads the metrics.
   */
  publicUrl?: string | undefined;
  /** Open SSE streams of this process (absent on a worker). */
  openStreams?: () => number;
}

/** `/healthz`, `/readyz` and `/metrics`, on every role; false for any other path. */
export function handleOperations(req: IncomingMessage, res: ServerResponse, routes: OperationsRoutes): boolean {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/healthz') {
    json(res, 200, liveness(routes));
    return true;
  }
  if (path === '/readyz') {
    void routes.health.ready().then(
      (report) => json(res, report.ready ? 200 : 503, { ok: report.ready, role: routes.role, ...report }),
      (error: unknown) => json(res, 503, { ok: false, role: routes.role, problems: [`the readiness checks failed: ${String(error)}`] }),
    );
    return true;
  }
  if (path === '/metrics') {
    const refusal = metricsRefusal(req, routes.metricsToken, routes.publicUrl);
    if (refusal) {
      json(res, refusal.status, { error: refusal.message }, refusal.status === 401 ? { 'www-authenticate': 'Bearer realm="metrics"' } : {});
      return true;
    }
    void routes.metrics.render().then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        console.error('[metrics] could not collect:', error);
        json(res, 500, { error: 'Collecting the metrics failed; the server log has the cause' });
      },
    );
    return true;
  }
  return false;
}

/**
 * Liveness: answered 200 while the process answers at all (a restart cures neither a missing
 * table nor an unreachable database); `ok` says whether it can do its job, and `problem` why not.
 */
function liveness(routes: OperationsRoutes) {
  const { services, role } = routes;
  const buffer = services.buffer.getStats();
  const problem = describeWriteProblem(buffer);
  const { recentWaitsMs: _, ...worker } = services.runner.getStats();
  return {
    ok: problem === null,
    alive: true,
    role,
    writes: buffer.writes,
    ...(problem ? { problem } : {}),
    buffer,
    ...(routes.openStreams ? { live: { streams: routes.openStreams(), ...services.live.stats() } } : {}),
    // A process that runs nothing shows no idle worker.
    ...(role === 'api' ? {} : { worker }),
  };
}

/** Why this request may not read the metrics, or null. */
function metricsRefusal(req: IncomingMessage, token: string | undefined, publicUrl: string | undefined): { status: number; message: string } | null {
  if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, message: 'Metrics are read with GET' };
  if (token) {
    const sent = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim() ?? '';
    if (sameText(sent, token)) return null;
    return { status: 401, message: sent ? 'The bearer token is not METRICS_TOKEN' : 'Metrics need `Authorization: Bearer <METRICS_TOKEN>`' };
  }
  if (publicUrl) {
    return {
      status: 403,
      message: `This server is reached through ${publicUrl}, so its metrics need METRICS_TOKEN: set it and send it as \`Authorization: Bearer <token>\``,
    };
  }
  // A loopback peer that relays someone else's request (a reverse proxy on this machine) is not local.
  const relayed = ['x-forwarded-for', 'forwarded', 'x-real-ip'].some((header) => req.headers[header] !== undefined);
  if (isLoopback(req.socket.remoteAddress) && !relayed) return null;
  return {
    status: 403,
    message:
      'Metrics are served only to this machine (loopback, not through a proxy) while METRICS_TOKEN is unset: set METRICS_TOKEN and send it as `Authorization: Bearer <token>`',
  };
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d+\.\d+\.\d+$/.test(v4);
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}
