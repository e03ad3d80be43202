import { createAaeClient } from '@aae/client';
import { OAuth2Server } from 'oauth2-mock-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './testing/test-app.ts';

/** Who the identity provider says signs in next (the mock signs in whoever asks). */
interface ProviderPerson {
  sub: string;
  email: string;
  name: string;
  emailVerified?: boolean;
}

/** Cookies as a browser keeps them across the redirects of one sign-in. */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(response: Response): void {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const [name, ...value] = pair!.split('=');
      if (/max-age=0/i.test(cookie)) this.cookies.delete(name!);
      else this.cookies.set(name!, value.join('='));
    }
  }
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

/**
 * A browser's sign-in through the provider, step by step: ask the server for the provider's
 * URL, follow the provider's redirect back to the callback, and land where the app asked.
 */
async function signInThroughProvider(app: TestApp, providerId: string) {
  const jar = new CookieJar();
  const start = await fetch(`${app.url}/api/auth/sign-in/social`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: app.url },
    body: JSON.stringify({ provider: providerId, callbackURL: '/executions', errorCallbackURL: '/sign-in' }),
  });
  expect(start.status).toBe(200);
  jar.take(start);
  const { url } = (await start.json()) as { url: string };
  const authorize = new URL(url);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorize.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['openid', 'email', 'profile']));

  const atProvider = await fetch(url, { redirect: 'manual' });
  expect(atProvider.status).toBe(302);
  const callback = atProvider.headers.get('location')!;
  expect(callback.startsWith(`${app.url}/api/auth/callback/${providerId}`)).toBe(true);

  const back = await fetch(callback, { redirect: 'manual', headers: { cookie: jar.header() } });
  jar.take(back);
  return { status: back.status, location: back.headers.get('location'), cookie: jar.header(), session: jar.get('aae.session_token') };
}

/** An OpenID Connect provider on loopback that signs in whoever `person()` names, and an app that trusts it. */
async function startProviderAndApp(person: () => ProviderPerson, signUp: boolean) {
  const provider = new OAuth2Server();
  await provider.issuer.keys.generate('RS256');
  await provider.start(0, '127.0.0.1');
  const claims = () => {
    const { sub, email, name, emailVerified } = person();
    return { sub, email, name, email_verified: emailVerified ?? true };
  };
  provider.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }) => Object.assign(token.payload, claims()));
  provider.service.on('beforeUserinfo', (userInfo: { body: Record<string, unknown> }) => Object.assign(userInfo.body, claims()));
  const app = await startTestApp({
    identity: {
      oidc: {
        id: 'corp',
        name: 'Corp SSO',
        issuer: provider.issuer.url!,
        clientId: 'assistant-architect',
        clientSecret: 'a client secret',
        scopes: ['openid', 'email', 'profile'],
        signUp,
      },
    },
  });
  return { provider, app };
}

describe('single sign-on through an OpenID Connect provider', () => {
  let provider: OAuth2Server;
  let app: TestApp;
  let next: ProviderPerson;

  beforeAll(async () => {
    ({ provider, app } = await startProviderAndApp(() => next, true));
  });
  afterAll(async () => {
    await app?.stop();
    await provider?.stop();
  });

  it('offers the provider on the sign-in page', async () => {
    expect(await createAaeClient({ baseUrl: app.url }).setup.status.query()).toEqual({ needsSetup: false, sso: [{ id: 'corp', name: 'Corp SSO' }] });
  });

  it('signs in someone the provider knows as a new member, with a session like a password sign-in', async () => {
    next = { sub: 'corp-1001', email: 'Lin@Corp.example', name: 'Lin Chen' };
    const result = await signInThroughProvider(app, 'corp');
    expect(result.status).toBe(302);
    expect(result.location).toBe('/executions');
    expect(result.session).toBeTruthy();
    const client = createAaeClient({ baseUrl: app.url, headers: { cookie: result.cookie } });
    expect(await client.users.me.query()).toMatchObject({ name: 'Lin Chen', email: 'lin@corp.example', role: 'member', via: 'session' });
    // A member: admin pages stay closed.
    await expect(client.users.list.query()).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    const people = await app.client('admin').users.list.query();
    expect(people.find((person) => person.email === 'lin@corp.example')?.signInMethods).toEqual(['corp']);
    const { items } = await app.client('admin').audit.list.query({ action: 'sign-in' });
    expect(items[0]).toMatchObject({ subject: 'lin@corp.example', details: { method: 'sso:corp' } });
  });

  it('signs a person an admin created into that same account', async () => {
    next = { sub: 'corp-1002', email: 'demo@example.test', name: 'Demo at Corp' };
    const result = await signInThroughProvider(app, 'corp');
    expect(result.location).toBe('/executions');
    const me = await createAaeClient({ baseUrl: app.url, headers: { cookie: result.cookie } }).users.me.query();
    expect(me).toMatchObject({ id: app.people.demo.id, email: 'demo@example.test' });
    const demo = (await app.client('admin').users.list.query()).find((person) => person.id === app.people.demo.id)!;
    expect(demo.signInMethods).toEqual(['corp', 'credential']);
  });

  it('refuses a disabled account, and says so on the sign-in page', async () => {
    const admin = app.client('admin');
    await admin.users.setDisabled.mutate({ userId: app.people.other.id, disabled: true });
    try {
      next = { sub: 'corp-1003', email: 'other@example.test', name: 'Other' };
      const result = await signInThroughProvider(app, 'corp');
      expect(result.session).toBeUndefined();
      expect(result.location).toMatch(/^\/sign-in\?error=/);
      const { items } = await admin.audit.list.query({ action: 'sign-in-failed' });
      expect(items[0]).toMatchObject({ details: { method: 'sso:corp' } });
    } finally {
      await admin.users.setDisabled.mutate({ userId: app.people.other.id, disabled: false });
    }
  });
});

describe('single sign-on for known people only', () => {
  it('refuses someone nobody created when sign-up through the provider is off', async () => {
    const { provider, app } = await startProviderAndApp(() => ({ sub: 'stranger', email: 'stranger@corp.example', name: 'Stranger' }), false);
    try {
      const result = await signInThroughProvider(app, 'corp');
      expect(result.session).toBeUndefined();
      expect(result.location).toMatch(/^\/sign-in\?error=/);
      expect((await app.services.users.list()).some((person) => person.email === 'stranger@corp.example')).toBe(false);
    } finally {
      await app.stop();
      await provider.stop();
    }
  });
});
