import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mutateWithCookie, signIn } from './test-app.ts';

export const serverDir = fileURLToPath(new URL('../..', import.meta.url));

/**
 * How the server runs: `bundle` is the production build (`dist/main.js` on plain Node, as
 * `pnpm start` runs it; build it first with `buildServer`), `source` the TypeScript through tsx.
 */
export type ServerEntry = 'bundle' | 'source';

export const serverArgs: Record<ServerEntry, string[]> = {
  bundle: ['--enable-source-maps', 'dist/main.js'],
  source: ['--import', 'tsx', 'src/main.ts'],
};

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** The id its runner writes into `executions.worker_id`, from its start line. */
  workerId: string;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Its exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

export interface StartServerOptions {
  entry: ServerEntry;
  /** The whole environment of the process (nothing is inherited but what is given here). */
  env: NodeJS.ProcessEnv;
  /** How long to wait for the start line before giving up (a cold start on a loaded machine is slow). */
  timeoutMs?: number;
}

/** Starts a real server process and resolves once it printed that it is running. */
export function startServerProcess({ entry, env, timeoutMs = 150_000 }: StartServerOptions): Promise<ServerProcess> {
  const child = spawn(process.execPath, serverArgs[entry], { cwd: serverDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // Nothing else holds it: left running, it would outlive the test.
      child.kill('SIGKILL');
      reject(new Error(`the server did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    // Read to the end, always: a full pipe would block the process.
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /running at (http:\/\/[\d.:]+) \(.*worker id ([0-9a-f-]{36})\)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve({ child, url: match[1]!, workerId: match[2]!, output: () => output, exited });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before it started:\n${output}`));
    });
  });
}

/** The environment a server process needs from this one, and nothing of the test runner's (NODE_OPTIONS, VITEST…). */
export function baseServerEnv(): NodeJS.ProcessEnv {
  const { PATH, HOME, TMPDIR, LANG } = process.env;
  return Object.fromEntries(Object.entries({ PATH, HOME, TMPDIR, LANG }).filter(([, value]) => value !== undefined));
}

/** The admin every server process of these tests is started with (`ADMIN_EMAIL`, `ADMIN_PASSWORD`). */
export const ADMIN = { email: 'crash-admin@example.test', password: 'crash test password' };

/** Signs in to a server process as the admin it was started with, and returns a personal access token. */
export async function adminToken(url: string, scopes: string[] = ['executions:read', 'executions:write', 'assistants:read']): Promise<string> {
  const { cookie } = await signIn(url, ADMIN.email, ADMIN.password);
  if (!cookie) throw new Error('the admin could not sign in');
  const { token } = await mutateWithCookie<{ token: string }>(url, cookie, 'tokens.create', {
    name: 'crash test',
    scopes,
    expiresInDays: 1,
  });
  return token;
}

/** The real server process, as `pnpm start` runs it (the bundle the global setup built). */
export function startServer(env: Record<string, string>): Promise<ServerProcess> {
  return startServerProcess({
    entry: 'bundle',
    env: {
      ...baseServerEnv(),
      NODE_ENV: 'production',
      PORT: '0',
      LOCAL_MODEL_CHUNK_DELAY_MS: '60',
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      ...env,
    },
  });
}

export function killHard(server: ServerProcess): Promise<unknown> {
  server.child.kill('SIGKILL');
  return server.exited;
}
