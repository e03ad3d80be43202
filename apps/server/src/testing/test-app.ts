import { seedTestPeople, TEST_PASSWORD, TEST_PEOPLE, type TestPerson } from '@aae/api/testing';
import { roleScopes, type OidcProviderConfig } from '@aae/auth';
import { createAaeClient, type AaeClient } from '@aae/client';
import type { Database, User } from '@aae/db';
import { createProjectTestDatabase } from '@aae/db/testing';
import { startApp, type RunningApp, type StartAppOptions } from '../app.ts';

export { TEST_PASSWORD, TEST_PEOPLE, type TestPerson };
export { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from './webhook-receiver.ts';
/** The held model (see `createHeldAssistant`), for tests outside this package. */
export { createGatedModel } from '@aae/engine/testing';
export { textPdf } from '@aae/runtime/testing';

export interface TestApp extends RunningApp {
  database: Database;
  /** The test people, who sign in with `TEST_PASSWORD`. */
  people: Record<TestPerson, User>;
  /** A typed tRPC client over real HTTP, with a personal access token of the person (every scope of their role). */
  client(person: TestPerson): AaeClient;
  /** That token. */
  tokenOf(person: TestPerson): string;
  /** Signs in over HTTP as a browser would; the session cookie, or the refusal's status. */
  signIn(email: string, password: string): Promise<{ status: number; cookie: string | null; body: unknown }>;
}

export interface TestAppOptions {
  /** What the process does (default `all`): `api` serves and runs nothing, so another process runs what it queues. */
  role?: StartAppOptions['role'];
  chunkDelayMs?: number;
  webDist?: string;
  /** Another process's view of an existing database; by default a fresh one of the project's kind. */
  database?: Database;
  services?: StartAppOptions['services'];
  identity?: StartAppOptions['identity'];
  /** Requests one address may make per minute (default: no limit). */
  requestsPerMinutePerAddress?: number;
  liveStreams?: StartAppOptions['liveStreams'];
  metricsToken?: string;
  /** Set false for a database with no account at all (the first-run set-up). */
  seedPeople?: boolean;
  /** Where the server's warnings and errors go (the console by default). */
  warn?: (...args: unknown[]) => void;
  error?: (...args: unknown[]) => void;
}

/** Signs in with a password over HTTP, as the web app's page does; returns the session cookie (`name=value`) on success. */
export async function signIn(baseUrl: string, email: string, password: string) {
  const response = await fetch(`${baseUrl}/api/auth/sign-in/email`, {
    method: 'POST',
    // A browser names the page's origin; sign-in refuses a request that names none.
    headers: { 'content-type': 'application/json', origin: baseUrl },
    body: JSON.stringify({ email, password }),
  });
  const cookie = response.headers.getSetCookie().find((value) => value.includes('session_token='));
  return { status: response.status, cookie: cookie ? cookie.split(';')[0]! : null, body: (await response.json()) as unknown, headers: response.headers };
}

/** Calls a tRPC mutation over plain HTTP with a session cookie, as the web app does. */
export async function mutateWithCookie<T>(baseUrl: string, cookie: string, path: string, input: unknown): Promise<T> {
  const response = await fetch(`${baseUrl}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ json: input }),
  });
  const body = (await response.json()) as { result?: { data: { json: T } }; error?: { json: { message: string } } };
  if (!body.result) throw new Error(`${path} failed (${response.status}): ${body.error?.json.message}`);
  return body.result.data.json;
}

/** The whole server on a free loopback port, with the test people signed in and holding tokens. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createProjectTestDatabase());
  const app = await startApp({
    role: options.role,
    database,
    port: 0,
    webDist: options.webDist,
    localModelChunkDelayMs: options.chunkDelayMs ?? 0,
    // Limits off unless a test sets them: tests start runs and send requests faster than people do.
    services: {
      usageLimits: { executionsPerMinute: 0, runningPerPerson: 0, runningInAll: 0, streamsPerPerson: 0, importsPerPerson: 0, importsInAll: 0 },
      ...options.services,
    },
    requestsPerMinutePerAddress: options.requestsPerMinutePerAddress ?? 0,
    liveStreams: options.liveStreams,
    metricsToken: options.metricsToken,
    identity: options.identity,
    logger: { info: () => {}, warn: options.warn ?? console.warn, error: options.error ?? console.error },
  });
  const people = {} as Record<TestPerson, User>;
  const tokens = new Map<TestPerson, string>();
  if (options.seedPeople !== false) {
    const existing = new Map((await app.services.users.list()).map((user) => [user.email, user]));
    const created = existing.has(TEST_PEOPLE.admin.email) ? null : await seedTestPeople(app.services);
    for (const key of Object.keys(TEST_PEOPLE) as TestPerson[]) {
      const person = TEST_PEOPLE[key];
      people[key] = created?.[key] ?? existing.get(person.email)!;
      const { cookie } = await signIn(app.url, person.email, TEST_PASSWORD);
      if (!cookie) throw new Error(`${person.email} could not sign in`);
      const { token } = await mutateWithCookie<{ token: string }>(app.url, cookie, 'tokens.create', {
        name: 'tests',
        scopes: roleScopes(person.role),
        expiresInDays: 1,
      });
      tokens.set(key, token);
    }
  }
  const tokenOf = (person: TestPerson) => {
    const token = tokens.get(person);
    if (!token) throw new Error(`no token for ${person}: this test app has no people`);
    return token;
  };
  return {
    ...app,
    database,
    people,
    tokenOf,
    client: (person) => createAaeClient({ baseUrl: app.url, token: tokenOf(person) }),
    signIn: (email, password) => signIn(app.url, email, password),
  };
}

/** Someone the test provider signs in: its subject defaults from the address, which it says it verified unless told otherwise. */
export interface ProviderPerson {
  email: string;
  name: string;
  sub?: string;
  emailVerified?: boolean;
}

/** A loopback OpenID Connect provider for single sign-on tests, and the settings that point the app at it. */
export interface TestOidcProvider {
  config: OidcProviderConfig;
  /** Who the provider says signed in from now on (it has no login page: it approves at once). */
  signInAs(person: ProviderPerson): void;
  stop(): Promise<void>;
}

/** oauth2-mock-server (authorization code with PKCE, signed ID tokens) on a free loopback port. */
export async function startTestOidcProvider(options: { id?: string; name?: string; signUp?: boolean } = {}): Promise<TestOidcProvider> {
  const { OAuth2Server } = await import('oauth2-mock-server');
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(0, '127.0.0.1');
  let person: ProviderPerson = { email: 'nobody@example.test', name: 'Nobody' };
  const claims = () => ({ sub: person.sub ?? `sub-${person.email}`, email: person.email, email_verified: person.emailVerified ?? true, name: person.name });
  server.service.on('beforeTokenSigning', (token) => Object.assign(token.payload, claims()));
  server.service.on('beforeUserinfo', (response) => {
    response.body = claims();
  });
  return {
    config: {
      id: options.id ?? 'test-sso',
      name: options.name ?? 'Test SSO',
      issuer: server.issuer.url!,
      clientId: 'aae-tests',
      clientSecret: 'not-a-secret',
      scopes: ['openid', 'email', 'profile'],
      signUp: options.signUp ?? false,
    },
    signInAs(next) {
      person = next;
    },
    stop: () => server.stop(),
  };
}

/** A shared one-prompt assistant on the gated test model: its runs wait until the test releases them. */
export async function createHeldAssistant(app: TestApp, name = 'Held'): Promise<number> {
  const held = await app.client('admin').assistants.create.mutate({
    name,
    visibility: 'shared',
    prompts: [{ name: 'Held', position: 1, modelId: 'gated', content: 'Wait for it' }],
  });
  return held.id;
}

/** The id of the demo assistant every database is seeded with. */
export async function demoAssistantIdOf(app: TestApp): Promise<number> {
  const assistants = (await app.client('demo').assistants.list.query()).items;
  const demo = assistants.find((assistant) => assistant.name === 'Research Brief Writer');
  if (!demo) throw new Error('the demo assistant is missing');
  return demo.id;
}
