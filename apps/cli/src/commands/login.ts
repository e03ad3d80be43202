import { hostname } from 'node:os';
import { createAaeClient } from '@aae/client';
import { configPath, normalizeUrl, readConfig, removeConfig, writeConfig } from '../config.ts';
import { CliError, describeFailure, EXIT } from '../exit-codes.ts';
import { readSecret } from '../prompt-secret.ts';
import { openSession } from '../session.ts';

export interface LoginOptions {
  url?: string;
  token?: string;
  email?: string;
  expiresInDays?: number;
}

/** Signs in with a password the way the web app does, for the session cookie that may make a token. */
async function sessionCookie(url: string, email: string, password: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`${url}/api/auth/sign-in/email`, {
      method: 'POST',
      // Sign-in accepts only requests naming the deployment's own origin.
      headers: { 'content-type': 'application/json', origin: new URL(url).origin },
      body: JSON.stringify({ email, password }),
    });
  } catch (error) {
    throw describeFailure(error, url);
  }
  if (response.status === 429) throw new CliError(EXIT.denied, `Too many sign-in attempts; try again in ${response.headers.get('retry-after') ?? 'a while'} s`);
  const cookie = response.headers.getSetCookie().find((value) => value.includes('session_token='));
  if (!response.ok || !cookie) {
    const body = (await response.json().catch(() => null)) as { message?: string } | null;
    throw new CliError(EXIT.denied, `Sign-in refused: ${body?.message ?? `HTTP ${response.status}`}`);
  }
  return cookie.split(';')[0]!;
}

/** Makes a personal access token with every scope the person's role allows. */
async function createToken(url: string, cookie: string, expiresInDays: number): Promise<string> {
  const client = createAaeClient({ baseUrl: url, headers: { cookie } });
  try {
    const scopes = (await client.tokens.scopes.query()).filter((scope) => scope.allowed).map((scope) => scope.scope);
    const created = await client.tokens.create.mutate({ name: `aae command line on ${hostname()}`, scopes, expiresInDays });
    return created.token;
  } catch (error) {
    throw describeFailure(error, url);
  }
}

export async function login(options: LoginOptions, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<void> {
  // A damaged configuration is what login replaces: it only lends its server address when readable.
  const stored = await readConfig().catch(() => null);
  const url = normalizeUrl(options.url ?? process.env.AAE_URL ?? stored?.url ?? 'http://127.0.0.1:3000');
  let token = options.token;
  if (options.email) {
    if (token) throw new CliError(EXIT.usage, 'Give either --token or --email, not both');
    const password = process.env.AAE_PASSWORD ?? (await readSecret(`Password for ${options.email}: `, io.stderr));
    token = await createToken(url, await sessionCookie(url, options.email, password), options.expiresInDays ?? 90);
  }
  token ??= await readSecret('Personal access token (made on the Tokens page): ', io.stderr);
  if (!token.trim()) throw new CliError(EXIT.usage, 'No token given');
  token = token.trim();
  const client = createAaeClient({ baseUrl: url, token });
  let me: Awaited<ReturnType<typeof client.users.me.query>>;
  try {
    me = await client.users.me.query();
  } catch (error) {
    throw describeFailure(error, url);
  }
  const path = await writeConfig({ url, token, user: { name: me.name, email: me.email, role: me.role } });
  io.stdout.write(`Signed in to ${url} as ${me.name} <${me.email}> (${me.role}); scopes: ${me.scopes.join(', ')}\nSaved in ${path}\n`);
}

export async function logout(io: { stdout: NodeJS.WritableStream }): Promise<void> {
  const removed = await removeConfig();
  io.stdout.write(removed ? `Signed out: removed ${configPath()}\n` : 'Not signed in\n');
}

export async function whoami(io: { stdout: NodeJS.WritableStream }): Promise<void> {
  const { client, url } = await openSession();
  const me = await client.users.me.query().catch((error: unknown) => {
    throw describeFailure(error, url);
  });
  io.stdout.write(`${me.name} <${me.email}> (${me.role}) at ${url}, signed in with a ${me.via}; scopes: ${me.scopes.join(', ')}\n`);
}
