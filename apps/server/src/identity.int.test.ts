import { createAaeClient, getExecutionEvents } from '@aae/client';
import { hashPassword } from '@aae/auth';
import { createGatedModel } from '@aae/engine/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { collectExecutionEvents } from './testing/subscription.ts';
import { mutateWithCookie, startTestApp, TEST_PASSWORD, TEST_PEOPLE, type TestApp } from './testing/test-app.ts';

const cookieClient = (app: TestApp, cookie: string) => createAaeClient({ baseUrl: app.url, headers: { cookie } });

describe('first run', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ seedPeople: false });
  });
  afterAll(() => app?.stop());

  it('has no account at all, asks for the first admin once, and that admin then signs in', async () => {
    expect(await app.services.database.prisma.user.count()).toBe(0);
    const anonymous = createAaeClient({ baseUrl: app.url });
    expect(await anonymous.setup.status.query()).toEqual({ needsSetup: true, sso: [] });
    await expect(anonymous.assistants.list.query()).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    const code = await app.services.setupCode();
    await expect(anonymous.setup.createAdmin.mutate({ code, name: 'Ada', email: 'ada@example.test', password: 'short' })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
      message: expect.stringContaining('password must be at least 10 characters'),
    });
    // Whoever reaches a fresh server first still needs the code it printed.
    await expect(
      anonymous.setup.createAdmin.mutate({ code: 'a guess', name: 'Mallory', email: 'mallory@example.test', password: 'a long enough password' }),
    ).rejects.toMatchObject({ data: { code: 'FORBIDDEN' }, message: expect.stringContaining('set-up link the server printed') });

    const admin = await anonymous.setup.createAdmin.mutate({ code, name: 'Ada', email: 'Ada@Example.test', password: 'a long enough password' });
    expect(admin).toMatchObject({ name: 'Ada', email: 'ada@example.test', role: 'admin' });
    expect(await anonymous.setup.status.query()).toEqual({ needsSetup: false, sso: [] });
    await expect(
      anonymous.setup.createAdmin.mutate({ code, name: 'Mallory', email: 'mallory@example.test', password: 'a long enough password' }),
    ).rejects.toMatchObject({ data: { code: 'CONFLICT' }, message: 'Set-up is done: an admin exists. Sign in instead.' });

    const { status, cookie } = await app.signIn('ada@example.test', 'a long enough password');
    expect(status).toBe(200);
    const me = await cookieClient(app, cookie!).users.me.query();
    expect(me).toMatchObject({ email: 'ada@example.test', role: 'admin', via: 'session' });
    // The demo assistants are there for the first run.
    expect((await cookieClient(app, cookie!).assistants.list.query()).items.map((assistant) => assistant.name)).toEqual([
      'Research Brief Writer',
      'Field Guide',
    ]);
  });

  it('creates the admin from ADMIN_EMAIL and ADMIN_PASSWORD on a start with none, and only then', async () => {
    const scripted = await startTestApp({
      seedPeople: false,
      identity: { bootstrapAdmin: { email: 'ops@example.test', password: 'scripted install password' } },
    });
    try {
      expect(await scripted.services.users.needsSetup()).toBe(false);
      expect((await scripted.signIn('ops@example.test', 'scripted install password')).status).toBe(200);
      expect((await scripted.services.users.list()).map((user) => [user.email, user.role])).toEqual([['ops@example.test', 'admin']]);
    } finally {
      await scripted.stop();
    }
  });
});

describe('password sign-in, sessions and sign-out', () => {
  let app: TestApp;
  beforeAll(async () => {
    // Behind a proxy on loopback: each test signs in from its own address (X-Forwarded-For).
    app = await startTestApp({
      identity: {
        trustProxy: 'loopback',
        signInLimits: { maxAttemptsPerAccountAndAddress: 3, maxAttemptsPerAddress: 6, maxAttemptsPerAccount: 8, windowSeconds: 600 },
      },
    });
  });
  afterAll(() => app?.stop());

  const signInFrom = (address: string, email: string, password: string) =>
    fetch(`${app.url}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address, origin: app.url },
      body: JSON.stringify({ email, password }),
    });

  it('sets an HttpOnly, SameSite=Lax session cookie (not Secure over plain HTTP)', async () => {
    const response = await fetch(`${app.url}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: app.url },
      body: JSON.stringify({ email: 'demo@example.test', password: TEST_PASSWORD }),
    });
    expect(response.status).toBe(200);
    const cookie = response.headers.getSetCookie().find((value) => value.startsWith('aae.session_token='))!;
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).not.toMatch(/; Secure/);
  });

  it('accepts a sign-in from the page at any loopback name of the server, and refuses one from another site', async () => {
    const from = (origin: string) =>
      fetch(`${app.url}/api/auth/sign-in/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin },
        body: JSON.stringify({ email: 'other@example.test', password: TEST_PASSWORD }),
      });
    const port = new URL(app.url).port;
    expect((await from(`http://localhost:${port}`)).status).toBe(200);
    const elsewhere = await from('http://evil.example');
    expect(elsewhere.status).toBe(403);
    expect(await elsewhere.json()).toMatchObject({ code: 'INVALID_ORIGIN' });
  });

  it('answers a wrong password and an unknown address with the same message', async () => {
    const wrongPassword = await app.signIn('other@example.test', 'not the password at all');
    const unknown = await app.signIn('nobody@example.test', TEST_PASSWORD);
    expect(wrongPassword.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrongPassword.body).toMatchObject({ message: 'Invalid email or password' });
    expect(unknown.body).toEqual(wrongPassword.body);
    expect(wrongPassword.cookie).toBeNull();
  });

  it('ends the session on sign-out: the cookie no longer works', async () => {
    const { cookie } = await app.signIn('demo@example.test', TEST_PASSWORD);
    const client = cookieClient(app, cookie!);
    expect(await client.users.me.query()).toMatchObject({ email: 'demo@example.test', via: 'session' });
    const out = await fetch(`${app.url}/api/auth/sign-out`, {
      method: 'POST',
      headers: { cookie: cookie!, origin: app.url, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(out.status).toBe(200);
    await expect(client.users.me.query()).rejects.toMatchObject({
      data: { code: 'UNAUTHORIZED' },
      message: 'Your session has ended; sign in again',
    });
  });

  it('does not use the session cookie on a request another site’s page made', async () => {
    const { cookie } = await app.signIn('demo@example.test', TEST_PASSWORD);
    const me = (site: string) => fetch(`${app.url}/trpc/users.me`, { headers: { cookie: cookie!, 'sec-fetch-site': site } });
    expect((await me('same-origin')).status).toBe(200);
    // A page elsewhere names itself in Origin (browsers send it on POSTs): the cookie is not used.
    const fromElsewhere = await fetch(`${app.url}/trpc/tokens.create`, {
      method: 'POST',
      headers: { cookie: cookie!, origin: 'http://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify({ json: { name: 'planted', scopes: ['executions:read'] } }),
    });
    expect(fromElsewhere.status).toBe(401);
    expect(JSON.stringify(await fromElsewhere.json())).toContain('Requests from other sites do not carry your session');
    const sameOrigin = await fetch(`${app.url}/trpc/users.me`, { headers: { cookie: cookie!, origin: app.url } });
    expect(sameOrigin.status).toBe(200);
    const crossSite = await me('cross-site');
    expect(crossSite.status).toBe(401);
    expect(JSON.stringify(await crossSite.json())).toContain('Requests from other sites do not carry your session');
    // A write is never a GET: a link elsewhere cannot start a document import in someone's repository.
    const input = encodeURIComponent(JSON.stringify({ json: { repositoryId: 1, documents: [{ title: 't', mediaType: 'text/plain', content: 'x' }] } }));
    const importing = await fetch(`${app.url}/trpc/knowledge.documents.import?input=${input}`, { headers: { cookie: cookie!, accept: 'text/event-stream' } });
    expect(importing.status).toBe(405);
    expect(await app.database.prisma.documentImport.count()).toBe(0);
  });

  it('refuses an expired session', async () => {
    const { cookie } = await app.signIn('demo@example.test', TEST_PASSWORD);
    const token = decodeURIComponent(cookie!.split('=')[1]!).split('.')[0]!;
    await app.services.database.prisma.session.update({ where: { token }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    await expect(cookieClient(app, cookie!).users.me.query()).rejects.toMatchObject({
      data: { code: 'UNAUTHORIZED' },
      message: 'Your session has ended; sign in again',
    });
  });

  it('throttles sign-ins on an account from one address: the attempt after the limit gets 429 with Retry-After, even with the right password', async () => {
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect((await signInFrom('198.51.100.1', 'admin@example.test', `wrong guess ${attempt}`)).status).toBe(401);
    }
    for (const password of ['wrong guess 4', TEST_PASSWORD]) {
      const response = await signInFrom('198.51.100.1', 'admin@example.test', password);
      expect(response.status).toBe(429);
      const retryAfter = Number(response.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(600);
      expect(await response.json()).toMatchObject({ message: expect.stringMatching(/^Too many failed sign-ins; try again in \d+ minutes$/) });
    }
    // A stranger's guesses do not lock the person out from their own address.
    expect((await signInFrom('198.51.100.2', 'admin@example.test', TEST_PASSWORD)).status).toBe(200);
  });

  it('throttles sign-ins from one address, whatever the account', async () => {
    for (let attempt = 1; attempt <= 6; attempt++) {
      expect((await signInFrom('203.0.113.7', `guess${attempt}@example.test`, 'a guess')).status).toBe(401);
    }
    expect((await signInFrom('203.0.113.7', 'other@example.test', TEST_PASSWORD)).status).toBe(429);
    expect((await signInFrom('203.0.113.8', 'other@example.test', TEST_PASSWORD)).status).toBe(200);
    const { items } = await app.client('admin').audit.list.query({ action: 'sign-in-throttled' });
    expect(items[0]).toMatchObject({ subject: 'other@example.test', ipAddress: '203.0.113.7' });
  });

  it('throttles sign-ins on one account from many addresses, and counts parallel guesses before checking them', async () => {
    const guesses = await Promise.all(
      Array.from({ length: 12 }, (_, index) => signInFrom(`192.0.2.${index + 1}`, 'demo@example.test', `parallel guess ${index}`)),
    );
    expect(guesses.filter((response) => response.status === 401)).toHaveLength(8);
    expect(guesses.filter((response) => response.status === 429)).toHaveLength(4);
    expect((await signInFrom('192.0.2.200', 'demo@example.test', TEST_PASSWORD)).status).toBe(429);
  });

  it('records sign-ins, failures, throttling and sign-outs with who, when and from where', async () => {
    const { items } = await app.client('admin').audit.list.query({ limit: 200 });
    const actions = items.map((item) => item.action);
    for (const action of ['sign-in', 'sign-in-failed', 'sign-in-throttled', 'sign-out', 'token-created']) expect(actions).toContain(action);
    const failed = items.find((item) => item.action === 'sign-in-failed' && item.subject === 'nobody@example.test')!;
    expect(failed).toMatchObject({ actor: null, details: { method: 'password' } });
    expect(failed.ipAddress).toMatch(/127\.0\.0\.1$/);
    const signedIn = items.find((item) => item.action === 'sign-in' && item.subject === 'demo@example.test')!;
    expect(signedIn.actor).toMatchObject({ email: 'demo@example.test' });
    expect(signedIn.createdAt).toBeInstanceOf(Date);
    expect(signedIn.userAgent).toBeTruthy();
  });
});

describe('secure cookies behind HTTPS', () => {
  it('marks the session cookie Secure when the public URL is https', async () => {
    const publicUrl = 'https://events.example.test';
    const app = await startTestApp({ seedPeople: false, identity: { publicUrl } });
    try {
      await app.services.users.createWithPassword({ ...TEST_PEOPLE.demo, passwordHash: await hashPassword(TEST_PASSWORD) });
      // Reached through a proxy at the public address: the browser names that origin.
      const response = await fetch(`${app.url}/api/auth/sign-in/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: publicUrl },
        body: JSON.stringify({ email: 'demo@example.test', password: TEST_PASSWORD }),
      });
      const cookie = response.headers.getSetCookie().find((value) => value.includes('session_token='))!;
      expect(cookie.startsWith('__Secure-aae.session_token=')).toBe(true);
      expect(cookie).toMatch(/; Secure/);
    } finally {
      await app.stop();
    }
  });
});

describe('people, tokens and disabled accounts', () => {
  let app: TestApp;
  let assistantId: number;
  let gatedAssistantId: number;
  const gated = createGatedModel();
  beforeAll(async () => {
    app = await startTestApp({ services: { models: [gated.model] } });
    assistantId = (await app.client('demo').assistants.list.query()).items[0]!.id;
    const slow = await app.client('admin').assistants.create.mutate({
      name: 'Held',
      visibility: 'shared',
      prompts: [{ name: 'Held', position: 1, modelId: 'gated', content: 'Wait for it' }],
    });
    gatedAssistantId = slow.id;
  });
  afterAll(async () => {
    gated.release();
    await app?.stop();
  });

  it('lets an admin create a member who signs in, and refuses a second account with the same address', async () => {
    const admin = app.client('admin');
    const created = await admin.users.create.mutate({ name: 'Grace', email: 'grace@example.test', password: 'grace password 1' });
    expect(created).toMatchObject({ role: 'member', email: 'grace@example.test' });
    expect((await app.signIn('grace@example.test', 'grace password 1')).status).toBe(200);
    await expect(admin.users.create.mutate({ name: 'Grace again', email: 'GRACE@example.test', password: 'grace password 2' })).rejects.toMatchObject({
      data: { code: 'CONFLICT' },
      message: 'Someone already signs in as grace@example.test',
    });
    await expect(app.client('demo').users.create.mutate({ name: 'X', email: 'x@example.test', password: 'x password 12' })).rejects.toMatchObject({
      data: { code: 'FORBIDDEN' },
    });
  });

  it('lets a person change their password with the current one; the change is in the audit log', async () => {
    const { cookie } = await app.signIn('grace@example.test', 'grace password 1');
    const change = (currentPassword: string) =>
      fetch(`${app.url}/api/auth/change-password`, {
        method: 'POST',
        headers: { cookie: cookie!, origin: app.url, 'content-type': 'application/json' },
        body: JSON.stringify({ currentPassword, newPassword: 'grace password 2', revokeOtherSessions: true }),
      });
    expect((await change('not my password')).status).toBe(400);
    expect((await change('grace password 1')).status).toBe(200);
    expect((await app.signIn('grace@example.test', 'grace password 1')).status).toBe(401);
    expect((await app.signIn('grace@example.test', 'grace password 2')).status).toBe(200);
    const { items } = await app.client('admin').audit.list.query({ action: 'password-changed' });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ actor: { email: 'grace@example.test' }, subject: 'grace@example.test' });
  });

  it('changes roles, but never leaves the deployment without an active admin', async () => {
    const admin = app.client('admin');
    await expect(admin.users.setRole.mutate({ userId: app.people.admin.id, role: 'member' })).rejects.toMatchObject({
      data: { code: 'CONFLICT' },
      message: expect.stringContaining('last active admin'),
    });
    await expect(admin.users.setDisabled.mutate({ userId: app.people.admin.id, disabled: true })).rejects.toMatchObject({
      data: { code: 'CONFLICT' },
    });
    const promoted = await admin.users.setRole.mutate({ userId: app.people.other.id, role: 'admin' });
    expect(promoted.role).toBe('admin');
    // The token `other` holds was made with member scopes: promotion does not widen it.
    await expect(app.client('other').users.list.query()).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    await admin.users.setRole.mutate({ userId: app.people.other.id, role: 'member' });
    const { items } = await admin.audit.list.query({ action: 'role-changed' });
    expect(items.map((item) => item.details)).toEqual([
      { from: 'admin', to: 'member' },
      { from: 'member', to: 'admin' },
    ]);
  });

  it('lets a member grant only their role’s scopes, and never from a token', async () => {
    const { cookie } = await app.signIn('demo@example.test', TEST_PASSWORD);
    await expect(mutateWithCookie(app.url, cookie!, 'tokens.create', { name: 'too much', scopes: ['admin'] })).rejects.toThrow(
      'Your role cannot grant "admin"',
    );
    await expect(app.client('demo').tokens.create.mutate({ name: 'from a token', scopes: ['executions:read'] })).rejects.toMatchObject({
      data: { code: 'FORBIDDEN' },
      message: 'Personal access tokens are managed from a signed-in session, not with a token',
    });
    const { token, id } = await mutateWithCookie<{ token: string; id: number }>(app.url, cookie!, 'tokens.create', {
      name: 'read only',
      scopes: ['executions:read'],
      expiresInDays: 30,
    });
    const readOnly = createAaeClient({ baseUrl: app.url, token });
    expect(await readOnly.executions.list.query()).toMatchObject({ items: expect.any(Array) });
    await expect(readOnly.executions.execute.mutate({ assistantId, input: { topic: 'x' } })).rejects.toMatchObject({
      data: { code: 'FORBIDDEN' },
      message: 'This token lacks the "executions:write" scope',
    });
    const listed = await cookieClient(app, cookie!).tokens.list.query();
    expect(listed.find((entry) => entry.id === id)).toMatchObject({ name: 'read only', scopes: ['executions:read'], status: 'active' });
    expect(token.startsWith(listed.find((entry) => entry.id === id)!.start!)).toBe(true);
    // Only the hash is kept.
    const row = await app.services.database.prisma.apiKey.findUniqueOrThrow({ where: { id } });
    expect(row.key).not.toContain(token.slice(8));
    // better-auth's own token routes are closed: tokens go through the API, with scopes and the audit log.
    for (const route of ['create', 'update', 'list', 'delete']) {
      const direct = await fetch(`${app.url}/api/auth/api-key/${route}`, {
        method: route === 'list' ? 'GET' : 'POST',
        headers: { cookie: cookie!, origin: app.url, 'content-type': 'application/json' },
        ...(route === 'list' ? {} : { body: JSON.stringify({ keyId: String(id), enabled: true, name: 'sneaky' }) }),
      });
      expect(direct.status).toBe(404);
    }
    await mutateWithCookie(app.url, cookie!, 'tokens.revoke', { tokenId: id });
    await expect(readOnly.executions.list.query()).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' }, message: 'This token was revoked' });
    expect((await cookieClient(app, cookie!).tokens.list.query()).find((entry) => entry.id === id)?.status).toBe('revoked');
  });

  it('ends a token’s open streams when it is revoked, and a person’s when their role changes', async () => {
    const { cookie } = await app.signIn('demo@example.test', TEST_PASSWORD);
    const { token, id } = await mutateWithCookie<{ token: string; id: number }>(app.url, cookie!, 'tokens.create', {
      name: 'watching',
      scopes: ['executions:read', 'executions:write', 'assistants:read'],
    });
    const client = createAaeClient({ baseUrl: app.url, token });
    const { executionId } = await client.executions.execute.mutate({ assistantId: gatedAssistantId, input: {} });
    const viaToken = collectExecutionEvents(client, { executionId });
    const viaOtherToken = collectExecutionEvents(app.client('demo'), { executionId });
    await Promise.all([viaToken.received(2), viaOtherToken.received(2)]);
    await mutateWithCookie(app.url, cookie!, 'tokens.revoke', { tokenId: id });
    await expect(viaToken.completed).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' }, message: 'This token was revoked' });

    // The other token's stream is untouched, until the person's role changes: then its client
    // connects again at once, is checked with the new role, and resumes after the last event.
    await app.client('admin').users.setRole.mutate({ userId: app.people.demo.id, role: 'admin' });
    await viaOtherToken.retried('Your role changed; connecting again with it');
    await app.client('admin').users.setRole.mutate({ userId: app.people.demo.id, role: 'member' });
    await app.client('admin').executions.cancel.mutate({ executionId });
    await viaOtherToken.completed;
    const stored = await getExecutionEvents(app.client('admin'), executionId);
    expect(viaOtherToken.events.map((event) => event.sequence)).toEqual(stored.map((event) => event.sequence));
  });

  it('ends a session’s open streams when it signs out or a password change ends it, and leaves the person’s other access alone', async () => {
    const person = await app.client('admin').users.create.mutate({ name: 'Many Tabs', email: 'tabs@example.test', password: 'tabs password 1' });
    const sessions: string[] = [];
    for (let i = 0; i < 3; i++) sessions.push((await app.signIn(person.email, 'tabs password 1')).cookie!);
    const { token } = await mutateWithCookie<{ token: string }>(app.url, sessions[0]!, 'tokens.create', {
      name: 'script',
      scopes: ['executions:read', 'executions:write', 'assistants:read'],
    });
    const viaToken = createAaeClient({ baseUrl: app.url, token });
    const { executionId } = await viaToken.executions.execute.mutate({ assistantId: gatedAssistantId, input: {} });
    const streams = sessions.map((cookie) => collectExecutionEvents(cookieClient(app, cookie), { executionId }));
    const tokenStream = collectExecutionEvents(viaToken, { executionId });
    await Promise.all([...streams, tokenStream].map((stream) => stream.received(2)));

    // A password change ends every session of the person; the one that made it gets a new one.
    // Each stream connects again, and only one opened with a live session would go on.
    const change = await fetch(`${app.url}/api/auth/change-password`, {
      method: 'POST',
      headers: { cookie: sessions[0]!, origin: app.url, 'content-type': 'application/json' },
      body: JSON.stringify({ currentPassword: 'tabs password 1', newPassword: 'tabs password 2', revokeOtherSessions: true }),
    });
    expect(change.status).toBe(200);
    const ended = { data: { code: 'UNAUTHORIZED' }, message: 'Your session has ended; sign in again' };
    for (const stream of streams) {
      await stream.retried('The password of this account changed; connecting again');
      await expect(stream.completed).rejects.toMatchObject(ended);
    }
    const renewed = change.headers
      .getSetCookie()
      .find((value) => value.includes('session_token='))!
      .split(';')[0]!;
    const renewedStream = collectExecutionEvents(cookieClient(app, renewed), { executionId });
    await renewedStream.received(2);

    // Signing out ends that session's stream for good.
    const out = await fetch(`${app.url}/api/auth/sign-out`, {
      method: 'POST',
      headers: { cookie: renewed, origin: app.url, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(out.status).toBe(200);
    await expect(renewedStream.completed).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' }, message: 'This session has ended; sign in again' });
    expect(renewedStream.connectionErrors).toEqual([]);

    // An admin setting the password ends the sessions open then; tokens go on working.
    const { cookie: later } = await app.signIn(person.email, 'tabs password 2');
    const laterStream = collectExecutionEvents(cookieClient(app, later!), { executionId });
    await laterStream.received(2);
    await app.client('admin').users.setPassword.mutate({ userId: person.id, password: 'tabs password 3' });
    await expect(laterStream.completed).rejects.toMatchObject({
      data: { code: 'UNAUTHORIZED' },
      message: 'An admin set a new password for this account; sign in again',
    });
    expect(laterStream.connectionErrors).toEqual([]);

    await app.client('admin').executions.cancel.mutate({ executionId });
    await tokenStream.completed;
    expect(tokenStream.events.at(-1)!.eventType).toBe('execution-error');
  });

  it('counts wrong current passwords on a password change like failed sign-ins', async () => {
    const person = await app.client('admin').users.create.mutate({ name: 'Guessed', email: 'guessed@example.test', password: 'guessed password' });
    const { cookie } = await app.signIn(person.email, 'guessed password');
    const change = (currentPassword: string) =>
      fetch(`${app.url}/api/auth/change-password`, {
        method: 'POST',
        headers: { cookie: cookie!, origin: app.url, 'content-type': 'application/json' },
        body: JSON.stringify({ currentPassword, newPassword: 'a new password here' }),
      });
    const statuses = [];
    for (let attempt = 1; attempt <= 6; attempt++) statuses.push((await change(`wrong guess ${attempt}`)).status);
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
    const refused = await change('guessed password');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused.json()).toMatchObject({ message: expect.stringContaining('Too many failed password checks') });
  });

  it('disables an account at once: its session, its tokens and its open streams stop; enabling lets it back', async () => {
    const admin = app.client('admin');
    const person = await admin.users.create.mutate({ name: 'Leaving', email: 'leaving@example.test', password: 'leaving password' });
    const { cookie } = await app.signIn(person.email, 'leaving password');
    const { token } = await mutateWithCookie<{ token: string }>(app.url, cookie!, 'tokens.create', {
      name: 'script',
      scopes: ['executions:read', 'executions:write', 'assistants:read'],
    });
    const client = createAaeClient({ baseUrl: app.url, token });
    // A run held mid-prompt, so the stream is certainly open when the account is disabled.
    const { executionId } = await client.executions.execute.mutate({ assistantId: gatedAssistantId, input: {} });
    const stream = collectExecutionEvents(client, { executionId });
    await stream.received(2);

    await admin.users.setDisabled.mutate({ userId: person.id, disabled: true });
    await expect(stream.completed).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    const disabled = { data: { code: 'UNAUTHORIZED' } };
    await expect(client.users.me.query()).rejects.toMatchObject({ ...disabled, message: 'This account is disabled; ask an admin to enable it' });
    await expect(cookieClient(app, cookie!).users.me.query()).rejects.toMatchObject(disabled);
    const again = await app.signIn(person.email, 'leaving password');
    expect(again.status).toBe(403);
    expect(again.body).toMatchObject({ message: 'This account is disabled; ask an admin to enable it' });

    await admin.users.setDisabled.mutate({ userId: person.id, disabled: false });
    expect(await client.users.me.query()).toMatchObject({ email: 'leaving@example.test' });
    expect((await app.signIn(person.email, 'leaving password')).status).toBe(200);
    const actions = (await admin.audit.list.query({ userId: person.id })).items.map((item) => item.action);
    expect(actions).toEqual(expect.arrayContaining(['user-created', 'account-disabled', 'account-enabled', 'token-created']));
  });
});

describe('watch tokens', () => {
  let app: TestApp;
  let executionId: number;
  let otherExecutionId: number;
  beforeAll(async () => {
    app = await startTestApp();
    const demo = app.client('demo');
    const [assistant] = (await demo.assistants.list.query()).items;
    for (const topic of ['mudflats', 'dunes']) {
      const run = await demo.executions.execute.mutate({ assistantId: assistant!.id, input: { topic } });
      await collectExecutionEvents(demo, run).completed;
      if (topic === 'mudflats') executionId = run.executionId;
      else otherExecutionId = run.executionId;
    }
  });
  afterAll(() => app?.stop());

  it('lives at most 15 minutes and reads only its execution’s events and output, and is never logged', async () => {
    const logged = [vi.spyOn(console, 'info'), vi.spyOn(console, 'warn'), vi.spyOn(console, 'error'), vi.spyOn(console, 'log')];
    try {
      const { token, expiresAt } = await app.client('demo').executions.createWatchToken.mutate({ executionId });
      expect(token.startsWith('aae_watch_')).toBe(true);
      expect(expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(15 * 60_000);
      expect(expiresAt.getTime() - Date.now()).toBeGreaterThan(14 * 60_000);

      const watcher = createAaeClient({ baseUrl: app.url, token });
      const stored = await getExecutionEvents(app.client('demo'), executionId);
      expect(await getExecutionEvents(watcher, executionId)).toEqual(stored);
      const streamed = collectExecutionEvents(watcher, { executionId });
      await streamed.completed;
      expect(streamed.events).toEqual(stored);
      expect((await watcher.executions.get.query({ executionId })).id).toBe(executionId);

      await expect(watcher.events.list.query({ executionId: otherExecutionId })).rejects.toMatchObject({
        data: { code: 'FORBIDDEN' },
        message: `This watch token reads execution ${executionId} only`,
      });
      for (const call of [() => watcher.executions.list.query(), () => watcher.assistants.list.query(), () => watcher.users.me.query()]) {
        await expect(call()).rejects.toMatchObject({
          data: { code: 'FORBIDDEN' },
          message: 'A watch token only reads the events and output of its one execution',
        });
      }

      // In a URL, as a link or a plain EventSource sends it: the download, and the tRPC stream.
      const download = await fetch(`${app.url}/api/executions/${executionId}/events.ndjson?token=${token}`);
      expect(download.status).toBe(200);
      expect((await download.text()).trim().split('\n')).toHaveLength(stored.length);
      expect((await fetch(`${app.url}/api/executions/${otherExecutionId}/events.ndjson?token=${token}`)).status).toBe(403);
      const input = encodeURIComponent(JSON.stringify({ json: { executionId } }));
      const sse = await fetch(`${app.url}/trpc/events.onExecutionEvent?input=${input}&token=${token}`, { headers: { accept: 'text/event-stream' } });
      expect(sse.status).toBe(200);
      const body = await sse.text();
      expect(body.match(/^id: /gm)).toHaveLength(stored.length);
      expect(body).toContain(stored.at(-1)!.eventData.eventId);
      // A personal access token is not taken from a URL (URLs end up in logs).
      const pat = app.tokenOf('demo');
      expect((await fetch(`${app.url}/api/executions/${executionId}/events.ndjson?token=${pat}`)).status).toBe(401);
      const params = encodeURIComponent(JSON.stringify({ token: pat }));
      expect((await fetch(`${app.url}/trpc/users.me?connectionParams=${params}`)).status).toBe(401);

      const printed = logged.flatMap((spy) => spy.mock.calls.flat().map((value) => String(value))).join('\n');
      expect(printed).not.toContain(token.slice('aae_watch_'.length, 40));
    } finally {
      for (const spy of logged) spy.mockRestore();
    }
  });

  it('is asked for only by someone who may read the execution', async () => {
    await expect(app.client('other').executions.createWatchToken.mutate({ executionId })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
    const { token } = await app.client('admin').executions.createWatchToken.mutate({ executionId, ttlSeconds: 60 });
    expect((await createAaeClient({ baseUrl: app.url, token }).executions.get.query({ executionId })).userName).toBe('demo');
  });
});

describe('people never share responses', () => {
  it('answers a person from the response cache only with their own earlier response', async () => {
    const app = await startTestApp();
    try {
      const run = async (person: 'demo' | 'other') => {
        const client = app.client(person);
        const [assistant] = (await client.assistants.list.query()).items;
        const { executionId } = await client.executions.execute.mutate({ assistantId: assistant!.id, input: { topic: 'cached kelp', audience: 'divers' } });
        await collectExecutionEvents(client, { executionId }).completed;
        const completes = (await getExecutionEvents(client, executionId)).filter((event) => event.eventType === 'prompt-complete');
        return completes.map((event) => event.eventType === 'prompt-complete' && event.eventData.cached);
      };
      expect(await run('demo')).toEqual([false, false, false]);
      expect(await run('other')).toEqual([false, false, false]);
      expect(await run('demo')).toEqual([true, true, true]);
    } finally {
      await app.stop();
    }
  });
});
