import { createAaeClient } from '@aae/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, startTestOidcProvider, type TestApp, type TestOidcProvider } from './testing/test-app.ts';

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
async function signInThroughProvider(app: TestApp, providerId: string, extra: Record<string, unknown> = {}) {
  const jar = new CookieJar();
  const start = await fetch(`${app.url}/api/auth/sign-in/social`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: app.url },
    body: JSON.stringify({ provider: providerId, callbackURL: '/executions', errorCallbackURL: '/sign-in', ...extra }),
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

/** A loopback provider, and an app that offers it as `corp`. */
async function startProviderAndApp(signUp: boolean) {
  const provider = await startTestOidcProvider({ id: 'corp', name: 'Corp SSO', signUp });
  const app = await startTestApp({ identity: { oidc: provider.config } });
  return { provider, app };
}

describe('single sign-on through an OpenID Connect provider', () => {
  let provider: TestOidcProvider;
  let app: TestApp;

  beforeAll(async () => {
    ({ provider, app } = await startProviderAndApp(true));
  });
  afterAll(async () => {
    await app?.stop();
    await provider?.stop();
  });

  it('offers the provider on the sign-in page', async () => {
    expect(await createAaeClient({ baseUrl: app.url }).setup.status.query()).toEqual({ needsSetup: false, sso: [{ id: 'corp', name: 'Corp SSO' }] });
  });

  it('signs in someone the provider knows as a new member, with a session like a password sign-in', async () => {
    provider.signInAs({ sub: 'corp-1001', email: 'Lin@Corp.example', name: 'Lin Chen' });
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
    provider.signInAs({ sub: 'corp-1002', email: 'demo@example.test', name: 'Demo at Corp' });
    const result = await signInThroughProvider(app, 'corp');
    expect(result.location).toBe('/executions');
    const me = await createAaeClient({ baseUrl: app.url, headers: { cookie: result.cookie } }).users.me.query();
    expect(me).toMatchObject({ id: app.people.demo.id, email: 'demo@example.test' });
    const demo = (await app.client('admin').users.list.query()).find((person) => person.id === app.people.demo.id)!;
    expect(demo.signInMethods).toEqual(['corp', 'credential']);
    const { items } = await app.client('admin').audit.list.query({ action: 'account-linked', userId: app.people.demo.id });
    expect(items[0]).toMatchObject({ subject: 'demo@example.test', details: { provider: 'corp' } });
  });

  it('never joins an account on an address the provider did not verify', async () => {
    provider.signInAs({ sub: 'corp-evil', email: 'admin@example.test', name: 'Not the admin', emailVerified: false });
    const result = await signInThroughProvider(app, 'corp');
    expect(result.session).toBeUndefined();
    expect(result.location).toMatch(/^\/sign-in\?error=/);
    const admin = (await app.client('admin').users.list.query()).find((person) => person.email === 'admin@example.test')!;
    expect(admin.signInMethods).toEqual(['credential']);
  });

  it('refuses a disabled account, and says so on the sign-in page', async () => {
    const admin = app.client('admin');
    await admin.users.setDisabled.mutate({ userId: app.people.other.id, disabled: true });
    try {
      provider.signInAs({ sub: 'corp-1003', email: 'other@example.test', name: 'Other' });
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
    const { provider, app } = await startProviderAndApp(false);
    provider.signInAs({ sub: 'stranger', email: 'stranger@corp.example', name: 'Stranger' });
    try {
      // Asking for sign-up does not get past the setting either.
      for (const extra of [{}, { requestSignUp: true }]) {
        const result = await signInThroughProvider(app, 'corp', extra);
        expect(result.session).toBeUndefined();
        expect(result.location).toMatch(/^\/sign-in\?error=/);
      }
      expect((await app.services.users.list()).some((person) => person.email === 'stranger@corp.example')).toBe(false);
    } finally {
      await app.stop();
      await provider.stop();
    }
  });
});
