import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { wallClockMs } from './clock.ts';

/** What a server process answers besides its own methods. */
const builtIns = {
  clock: (): number => wallClockMs(),
  /** Memory after a full collection, so garbage does not count as memory in use. */
  memory: (): { rss: number; heap: number } => {
    (globalThis as { gc?: () => void }).gc?.();
    const usage = process.memoryUsage();
    // `external` includes array buffers: socket and stream buffers live there.
    return { rss: usage.rss, heap: usage.heapUsed + usage.external };
  },
};

type Methods = Record<string, (payload: never) => unknown>;
type WithBuiltIns<M extends Methods> = M & typeof builtIns;

interface Request {
  id: number;
  method: string;
  payload: unknown;
}

type Reply = { id: number; result: unknown } | { id: number; error: string };

type ReadyMessage = { ready: true; url: string } | { ready: false; error: string };

export interface ChildServer<M extends Methods> {
  url: string;
  call<K extends keyof WithBuiltIns<M> & string>(
    method: K,
    ...payload: Parameters<WithBuiltIns<M>[K]> extends [] ? [] : Parameters<WithBuiltIns<M>[K]>
  ): Promise<Awaited<ReturnType<WithBuiltIns<M>[K]>>>;
  /** Calls the server's `stop`, then ends the process (killing it if it lingers). */
  stop(): Promise<void>;
}

/**
 * Runs a server in its own process, so its memory is measured apart from the clients'. The
 * module calls `serveParent` once it listens; methods are called over the IPC channel.
 */
export function startChildServer<M extends Methods>(moduleUrl: URL, args: string[] = []): Promise<ChildServer<M>> {
  const child: ChildProcess = fork(fileURLToPath(moduleUrl), args, {
    execArgv: [...process.execArgv, '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => {
    exited = true;
    for (const waiter of pending.values()) waiter.reject(new Error(`server process exited (${signal ?? code}) before answering`));
    pending.clear();
  });
  child.on('message', (message: Reply | ReadyMessage) => {
    if ('ready' in message) return;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if ('error' in message) waiter.reject(new Error(message.error));
    else waiter.resolve(message.result);
  });

  const kill = async () => {
    if (exited) return;
    child.kill('SIGKILL');
    await exitedPromise;
  };

  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`server process ${moduleUrl.pathname} exited with ${code} before it was ready`));
    child.once('exit', onExit);
    child.once('message', (message: ReadyMessage) => {
      child.off('exit', onExit);
      if (!message.ready) {
        void kill();
        reject(new Error(message.error));
        return;
      }
      resolve({
        url: message.url,
        call(method, ...payload) {
          if (exited) return Promise.reject(new Error('server process has exited'));
          const id = nextId++;
          return new Promise((resolveCall, rejectCall) => {
            pending.set(id, { resolve: resolveCall as (value: unknown) => void, reject: rejectCall });
            child.send({ id, method, payload: payload[0] } satisfies Request);
          });
        },
        async stop() {
          try {
            if (!exited) {
              await Promise.race([
                new Promise<void>((resolveStop, rejectStop) => {
                  const id = nextId++;
                  pending.set(id, { resolve: () => resolveStop(), reject: rejectStop });
                  child.send({ id, method: 'stop', payload: undefined } satisfies Request);
                }),
                new Promise((resolveTimeout) => setTimeout(resolveTimeout, 10_000).unref()),
              ]);
              child.disconnect();
              await Promise.race([exitedPromise, new Promise((resolveTimeout) => setTimeout(resolveTimeout, 3_000).unref())]);
            }
          } finally {
            await kill();
          }
        },
      });
    });
  });
}

/** The child's half: announce the URL, then answer calls until the parent disconnects. */
export function serveParent<M extends Methods & { stop(): Promise<void> }>(url: string, methods: M): void {
  const all: Record<string, (payload: unknown) => unknown> = { ...builtIns, ...(methods as unknown as Record<string, (payload: unknown) => unknown>) };
  process.on('message', async (request: Request) => {
    try {
      const method = all[request.method];
      if (!method) throw new Error(`unknown method ${request.method}`);
      process.send?.({ id: request.id, result: await method(request.payload) } satisfies Reply);
    } catch (error) {
      process.send?.({ id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies Reply);
    }
  });
  // The parent disconnects after `stop`, or by dying; either way nothing is left to serve.
  process.once('disconnect', () => process.exit(0));
  process.send?.({ ready: true, url } satisfies ReadyMessage);
}

/** Reports a failed start to the parent instead of leaving it waiting. */
export function reportStartFailure(error: unknown): void {
  process.send?.({ ready: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies ReadyMessage);
  process.exitCode = 1;
}
