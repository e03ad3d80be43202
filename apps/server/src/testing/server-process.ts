import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mutateWithCookie, signIn } from './test-app.ts';

/** The admin every server process is started with (`ADMIN_EMAIL`, `ADMIN_PASSWORD`). */
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

const serverDir = fileURLToPath(new URL('../..', import.meta.url));

/** The real server process (`tsx src/main.ts`), as `pnpm start` runs it. */
export async function startServerProcess(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: serverDir,
    env: { ...process.env, PORT: '0', LOCAL_MODEL_CHUNK_DELAY_MS: '60', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /running at (http:\/\/[\d.:]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${code}):\n${output}`)));
  });
  return { child, url };
}

export function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
