/**
 * The client side of live-delivery-scale in its own process: thousands of raw SSE connections
 * (`http.get`, no agent, no EventSource object each), checking that every connection receives
 * each of its execution's events once and in order, and noting when each arrives.
 */
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { reportStartFailure, serveParent } from './child-server.ts';
import { wallClockMs } from './clock.ts';

export interface ConnectionPlan {
  /** Path and query on the server, e.g. `/api/assistant-architect/events/12`. */
  path: string;
  executionId: number;
}

interface Connection {
  plan: ConnectionPlan;
  request: ClientRequest;
  response: IncomingMessage | null;
  /** Text after the last complete frame. */
  rest: string;
  lastSequence: number;
  /** When `lastSequence` arrived. */
  lastAt: number;
  attached: boolean;
  ended: boolean;
}

/**
 * `id: evt_<execution>_<sequence>` anywhere in a frame. Only this line matters to the bench, so
 * frames are split on the blank line and scanned for it, not handed to a full SSE parser
 * (`eventsource-parser` is the server's dependency, not the bench's).
 */
const ID_LINE = /(?:^|\n)id: (evt_(\d+)_(\d+))(?:\n|$)/;

/** Connections opened at once: below the server's listen backlog, so no SYN is dropped and retried a second later. */
const OPENING_AT_ONCE = 200;

function scaleClientMethods() {
  let connections: Connection[] = [];
  let recordArrivals = true;
  /** Arrival times by event id, since the last `awaitSequence`. */
  let arrivals = new Map<string, number[]>();
  let failure: Error | null = null;
  let waiter: { target: number; remaining: number; reachedAt: number; resolve(): void } | null = null;
  let onFailure: ((error: Error) => void) | null = null;

  const fail = (error: Error) => {
    failure ??= error;
    onFailure?.(failure);
  };

  function onFrames(connection: Connection, chunk: string) {
    const text = connection.rest + chunk;
    let start = 0;
    for (let end = text.indexOf('\n\n', start); end !== -1; end = text.indexOf('\n\n', start)) {
      const frame = text.slice(start, end);
      start = end + 2;
      connection.attached = true;
      const id = ID_LINE.exec(frame);
      if (!id) continue;
      const at = wallClockMs();
      const eventId = id[1]!;
      const executionId = Number(id[2]);
      const sequence = Number(id[3]);
      if (executionId !== connection.plan.executionId || sequence !== connection.lastSequence + 1) {
        fail(new Error(`${connection.plan.path} received ${eventId} after sequence ${connection.lastSequence}`));
        return;
      }
      connection.lastSequence = sequence;
      connection.lastAt = at;
      if (recordArrivals) {
        const list = arrivals.get(eventId);
        if (list) list.push(at);
        else arrivals.set(eventId, [at]);
      }
      if (waiter && sequence === waiter.target) {
        waiter.reachedAt = Math.max(waiter.reachedAt, at);
        if (--waiter.remaining === 0) waiter.resolve();
      }
    }
    connection.rest = text.slice(start);
  }

  /** Opens one connection; resolves once its first frame has arrived. */
  function open(host: string, port: number, headers: Record<string, string>, plan: ConnectionPlan): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = request({ host, port, path: plan.path, headers: { accept: 'text/event-stream', ...headers }, agent: false });
      const connection: Connection = { plan, request: req, response: null, rest: '', lastSequence: 0, lastAt: 0, attached: false, ended: false };
      connections.push(connection);
      req.on('error', (error) => {
        const wrapped = new Error(`${plan.path}: ${error.message}`);
        if (!connection.attached) reject(wrapped);
        else if (!closing) fail(wrapped);
      });
      req.on('response', (res) => {
        connection.response = res;
        if (res.statusCode !== 200) {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('end', () => reject(new Error(`${plan.path} answered ${res.statusCode}: ${body.slice(0, 300)}`)));
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          onFrames(connection, chunk);
          if (connection.attached) resolve();
        });
        res.on('end', () => {
          connection.ended = true;
          if (!connection.attached) reject(new Error(`${plan.path} ended before its first frame`));
          // A stream ends after the execution's terminal event, never before the event awaited.
          else if (!closing && waiter && connection.lastSequence < waiter.target) {
            fail(new Error(`${plan.path} ended after sequence ${connection.lastSequence}, before ${waiter.target}`));
          }
        });
      });
      req.end();
    });
  }

  let closing = false;

  /** Ends every connection from this side and waits until their sockets are closed. */
  async function closeAll(): Promise<void> {
    closing = true;
    const closed = connections.map(
      (connection) =>
        new Promise<void>((resolve) => {
          const socket = connection.request.socket;
          if (!socket || socket.destroyed) return resolve();
          socket.once('close', () => resolve());
          connection.request.destroy();
        }),
    );
    await Promise.all(closed);
    connections = [];
    arrivals = new Map();
  }

  return {
    /**
     * Opens every planned connection, a window at a time; resolves once each has its response
     * headers and first frame, with the client clock's times of the first connect and the last.
     */
    async connect(input: {
      url: string;
      headers: Record<string, string>;
      plans: ConnectionPlan[];
      recordArrivals: boolean;
    }): Promise<{ startedAt: number; attachedAt: number }> {
      const { hostname, port } = new URL(input.url);
      closing = false;
      failure = null;
      recordArrivals = input.recordArrivals;
      arrivals = new Map();
      const startedAt = wallClockMs();
      let next = 0;
      const lane = async () => {
        while (next < input.plans.length) {
          const plan = input.plans[next++]!;
          await open(hostname, Number(port), input.headers, plan);
        }
      };
      await Promise.all(Array.from({ length: Math.min(OPENING_AT_ONCE, input.plans.length) }, lane));
      return { startedAt, attachedAt: wallClockMs() };
    },

    /**
     * Resolves once every connection has received the event with `sequence` of its execution
     * (and all before it); hands back the arrival times recorded since the last call.
     */
    async awaitSequence({ sequence, timeoutMs }: { sequence: number; timeoutMs: number }): Promise<{ arrivals: Record<string, number[]>; reachedAt: number }> {
      if (failure) throw failure;
      const behind = connections.filter((connection) => connection.lastSequence < sequence);
      const ended = behind.find((connection) => connection.ended);
      if (ended) throw new Error(`${ended.plan.path} ended after sequence ${ended.lastSequence}, before ${sequence}`);
      // Those already there (a replay may finish before it is awaited) reached it when its event arrived.
      const reachedBefore = connections.reduce((latest, connection) => (connection.lastSequence >= sequence ? Math.max(latest, connection.lastAt) : latest), 0);
      const reached = new Promise<number>((resolve, reject) => {
        const current = { target: sequence, remaining: behind.length, reachedAt: reachedBefore, resolve: () => resolve(current.reachedAt) };
        waiter = current;
        onFailure = reject;
        if (behind.length === 0) resolve(reachedBefore);
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const behind = connections.filter((connection) => connection.lastSequence < sequence).length;
          const received = connections.reduce((total, connection) => total + connection.lastSequence, 0);
          reject(
            new Error(
              `TIMEOUT: ${behind} of this process's ${connections.length} streams had not received event ${sequence} (${received} of their ${connections.length * sequence} events in)`,
            ),
          );
        }, timeoutMs);
      });
      try {
        const reachedAt = await Promise.race([reached, timeout]);
        const taken = Object.fromEntries(arrivals);
        arrivals = new Map();
        return { arrivals: taken, reachedAt };
      } finally {
        clearTimeout(timer);
        waiter = null;
        onFailure = null;
      }
    },

    closeAll,

    cpu(): number {
      const usage = process.cpuUsage();
      return usage.user + usage.system;
    },

    stop: closeAll,
  };
}

export type ScaleClientMethods = ReturnType<typeof scaleClientMethods>;

try {
  serveParent('', scaleClientMethods());
} catch (error) {
  reportStartFailure(error);
}
