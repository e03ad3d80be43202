import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, EXIT } from './exit-codes.ts';

/** What `aae login` keeps between runs. */
export interface StoredConfig {
  url: string;
  token: string;
  /** Who the token belongs to, as the server said at login (shown by `aae login` and `whoami`). */
  user?: { name: string; email: string; role: string };
}

/** `AAE_CONFIG`, else `$XDG_CONFIG_HOME/aae/config.json`, else `~/.config/aae/config.json`. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AAE_CONFIG) return env.AAE_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'aae', 'config.json');
}

export async function readConfig(env: NodeJS.ProcessEnv = process.env): Promise<StoredConfig | null> {
  const path = configPath(env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError(EXIT.usage, `Cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as Partial<StoredConfig>;
    if (typeof parsed.url !== 'string' || typeof parsed.token !== 'string') throw new Error('it has no url and token');
    return { url: parsed.url, token: parsed.token, ...(parsed.user ? { user: parsed.user } : {}) };
  } catch (error) {
    throw new CliError(EXIT.usage, `${path} is not a configuration aae wrote (${(error as Error).message}): run \`aae login\` again`);
  }
}

/** Written readable by its owner only: it holds a token. */
export async function writeConfig(config: StoredConfig, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const path = configPath(env);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // A new file made readable by its owner only, then renamed over the old one: the token is never
  // in a file others may read, not even for a moment, and a crash leaves the old file whole.
  const fresh = `${path}.${randomUUID()}.tmp`;
  try {
    await writeFile(fresh, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await rename(fresh, path);
  } catch (error) {
    await rm(fresh, { force: true });
    throw error;
  }
  return path;
}

export async function removeConfig(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const path = configPath(env);
  const existed = (await readConfig(env).catch(() => null)) !== null;
  await rm(path, { force: true });
  return existed;
}

/** The server and token to use: `AAE_URL` and `AAE_TOKEN` override what `aae login` stored. */
export async function resolveCredentials(env: NodeJS.ProcessEnv = process.env): Promise<{ url: string; token: string }> {
  const stored = await readConfig(env);
  const url = env.AAE_URL || stored?.url;
  const token = env.AAE_TOKEN || stored?.token;
  if (!url || !token)
    throw new CliError(EXIT.denied, 'Not signed in: run `aae login --url <server> --token <personal access token>` (or set AAE_URL and AAE_TOKEN)');
  return { url: normalizeUrl(url), token };
}

/** An origin as the client wants it; a bad one is refused with the value named. */
export function normalizeUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(EXIT.usage, `"${value}" is not a server address: write it as http://host:port`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(EXIT.usage, `"${value}" is not an http:// or https:// address`);
  return url.origin + url.pathname.replace(/\/+$/, '');
}
