import { createAaeClient } from '@aae/client';
import { startTestApp, startTestOidcProvider, TEST_PASSWORD, TEST_PEOPLE, type TestApp, type TestOidcProvider } from '@aae/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, webDist, type TestBrowser } from './browser.ts';
import { createTokenInPage, followExecution, openAccountMenu, signInThroughPage } from './identity-helpers.ts';

let browser: TestBrowser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('the first run', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ seedPeople: false, webDist });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('leads any address to the set-up page, creates the first admin, signs them in and runs the demo', async () => {
    const page = await browser.newPage({ baseUrl: app.url });
    await page.goto(`${app.url}/executions?status=failed`);
    await page.waitForURL(`${app.url}/setup`);
    // Opened without the printed link: the code is asked for, and a wrong one is refused.
    await page.getByLabel('Set-up code').fill('a guess');
    await page.getByLabel('Your name').fill('Ada Lovelace');
    await page.getByLabel('Email').fill('ada@example.test');
    await page.getByLabel('Password', { exact: true }).fill('too short');
    await page.getByLabel('Confirm password').fill('something else');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    // Checked before anything is sent: focus goes to the first field at fault.
    await page.locator('#setup-password-error', { hasText: 'Use at least 10 characters.' }).waitFor();
    await expect(page.locator('#setup-confirm-error').textContent()).resolves.toBe('The two passwords differ.');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('setup-password');
    await screenshot(page, 'identity-setup-checks');
    expect(await app.services.users.needsSetup()).toBe(true);

    await page.getByLabel('Password', { exact: true }).fill('analytical engine');
    await page.getByLabel('Confirm password').fill('analytical engine');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'set-up link the server printed' }).waitFor();
    expect(await app.services.users.needsSetup()).toBe(true);
    await page.getByLabel('Set-up code').fill(await app.services.setupCode());
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await page.waitForURL(`${app.url}/assistant-architect`);
    await expect(page.locator('.account-menu summary').textContent()).resolves.toBe('Signed in as Ada Lovelace admin');
    await page.getByRole('link', { name: 'People' }).waitFor();
    expect(await app.services.users.needsSetup()).toBe(false);
    // An admin's ten links and their name fit one line of the top bar at 1280 px (two lines are about 90 px).
    expect(await page.locator('.topbar').evaluate((bar) => bar.getBoundingClientRect().height)).toBeLessThan(70);

    await page.getByRole('heading', { name: 'Research Brief Writer' }).waitFor();
    await page.fill('[name="topic"]', 'first light');
    await page.getByRole('button', { name: 'Run assistant' }).click();
    await page.waitForSelector('.execution-complete', { timeout: 60_000 });
    await expect(page.locator('.progress-caption').textContent()).resolves.toBe('All 3 prompts complete');
    await screenshot(page, 'identity-first-run-complete');

    // Set-up happens once: the page sends a signed-in admin on, and the API refuses a second admin.
    await page.goto(`${app.url}/setup`);
    await page.waitForURL(`${app.url}/assistant-architect`);
    const again = await fetch(`${app.url}/trpc/setup.createAdmin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ json: { code: await app.services.setupCode(), name: 'Eve', email: 'eve@example.test', password: 'a long enough password' } }),
    });
    expect(again.status).toBe(409);
  });
});

describe('signing in and out', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ webDist });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('refuses a wrong password in the server’s words, then signs in where the person wanted and signs out', async () => {
    const page = await browser.newPage({ baseUrl: app.url });
    await page.goto(`${app.url}/executions?status=completed`);
    await page.waitForURL(`${app.url}/sign-in?next=${encodeURIComponent('/executions?status=completed')}`);
    await signInThroughPage(page, TEST_PEOPLE.demo.email, 'not the password at all');
    const refusal = page.getByRole('alert');
    await expect(refusal.locator('p').textContent()).resolves.toBe('Invalid email or password');
    await expect(refusal.locator('strong').textContent()).resolves.toBe('Not signed in');
    await screenshot(page, 'identity-sign-in-wrong-password');

    await signInThroughPage(page, TEST_PEOPLE.demo.email, TEST_PASSWORD);
    await page.waitForURL(`${app.url}/executions?status=completed`);
    await page.getByRole('heading', { name: 'Your executions' }).waitFor();
    const session = (await page.context().cookies()).find((cookie) => cookie.name === 'aae.session_token');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

    await openAccountMenu(page);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${app.url}/sign-in`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect((await page.request.get(`${app.url}/trpc/users.me`)).status()).toBe(401);
    // The session itself ended on the server, not only the cookie in this browser.
    const replayed = await fetch(`${app.url}/trpc/users.me`, { headers: { cookie: `aae.session_token=${session!.value}` } });
    expect(replayed.status).toBe(401);
  });

  it('says how long to wait after too many failed sign-ins', async () => {
    const email = 'locked-out@example.test';
    for (let attempt = 0; attempt < 5; attempt++) expect((await app.signIn(email, 'a wrong password')).status).toBe(401);
    const page = await browser.newPage({ baseUrl: app.url });
    await page.goto(`${app.url}/sign-in`);
    await signInThroughPage(page, email, 'a wrong password');
    await page.getByRole('alert').filter({ hasText: 'Too many attempts' }).waitFor();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Too many failed sign-ins; try again in 1[45] minutes/);
    await screenshot(page, 'identity-sign-in-throttled');
  });

  it('sends a person whose account is disabled back to the sign-in page, and lets them in once enabled', async () => {
    const member = await browser.newPage({ baseUrl: app.url, user: 'other' });
    await member.goto(`${app.url}/account`);
    await member.getByRole('heading', { name: 'Your account' }).waitFor();
    const admin = await browser.newPage({ baseUrl: app.url, user: 'admin' });
    await admin.goto(`${app.url}/people`);
    const row = admin.locator(`tr[data-person="${TEST_PEOPLE.other.email}"]`);
    try {
      await row.getByRole('button', { name: 'Disable other' }).click();
      await row.getByRole('button', { name: 'Yes, disable' }).click();
      await row.locator('.status', { hasText: 'disabled' }).waitFor();
      await screenshot(admin, 'identity-people-disabled');

      // The next call the member's page makes is refused; the app goes to the sign-in page.
      await openAccountMenu(member);
      await member.getByRole('link', { name: 'Tokens' }).click();
      await member.waitForURL(`${app.url}/sign-in?next=%2Ftokens`);
      await member.locator('.notice', { hasText: 'Your session has ended; sign in again' }).waitFor();
      await signInThroughPage(member, TEST_PEOPLE.other.email, TEST_PASSWORD);
      await member.getByRole('alert').filter({ hasText: 'This account is disabled; ask an admin to enable it' }).waitFor();
      await expect(member.getByRole('alert').locator('strong').textContent()).resolves.toBe('Account disabled');
      await screenshot(member, 'identity-sign-in-disabled');

      await row.getByRole('button', { name: 'Enable other' }).click();
      await row.getByRole('button', { name: 'Yes, enable' }).click();
      await row.locator('.status', { hasText: 'active' }).waitFor();
      await signInThroughPage(member, TEST_PEOPLE.other.email, TEST_PASSWORD);
      await member.getByRole('heading', { name: 'Personal access tokens' }).waitFor();
    } finally {
      await app.services.users.setDisabled(app.people.other.id, false);
    }
  });

  it('lets an admin set a new password for someone who forgot theirs', async () => {
    const admin = await browser.newPage({ baseUrl: app.url, user: 'admin' });
    await admin.goto(`${app.url}/people`);
    const row = admin.locator(`tr[data-person="${TEST_PEOPLE.demo.email}"]`);
    await row.getByRole('button', { name: 'Set password for demo' }).click();
    const form = admin.getByRole('form', { name: 'Set a password for demo' });
    await form.getByLabel('New password for demo').fill('short');
    await form.getByRole('button', { name: 'Set password' }).click();
    await form.locator('.field-error', { hasText: 'Use at least 10 characters.' }).waitFor();
    await form.getByLabel('New password for demo').fill('a brand new password');
    await form.getByRole('button', { name: 'Set password' }).click();
    await admin.getByRole('status').filter({ hasText: 'New password set for demo' }).waitFor();
    await screenshot(admin, 'identity-people-password-set');
    try {
      expect((await app.signIn(TEST_PEOPLE.demo.email, TEST_PASSWORD)).status).toBe(401);
      expect((await app.signIn(TEST_PEOPLE.demo.email, 'a brand new password')).status).toBe(200);
    } finally {
      await app.client('admin').users.setPassword.mutate({ userId: app.people.demo.id, password: TEST_PASSWORD });
    }
  });

  it('changes a password on the Account page: other sessions end and only the new password works', async () => {
    const email = 'pat@example.test';
    await app.client('admin').users.create.mutate({ name: 'Pat', email, password: 'first password 123', role: 'member' });
    const elsewhere = await app.signIn(email, 'first password 123');
    const page = await browser.newPage({ baseUrl: app.url });
    await page.goto(`${app.url}/account`);
    await signInThroughPage(page, email, 'first password 123');
    await page.getByRole('heading', { name: 'Your account' }).waitFor();

    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password', { exact: true }).fill('second password 456');
    await page.getByLabel('Confirm new password').fill('second password 456');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('alert').filter({ hasText: 'Your current password is not right.' }).waitFor();
    await page.getByLabel('Current password').fill('first password 123');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('status').filter({ hasText: 'Password changed. Your other sessions were signed out.' }).waitFor();
    await screenshot(page, 'identity-account-password-changed');

    await page.reload();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    expect((await fetch(`${app.url}/trpc/users.me`, { headers: { cookie: elsewhere.cookie! } })).status).toBe(401);
    expect((await app.signIn(email, 'first password 123')).status).toBe(401);
    expect((await app.signIn(email, 'second password 456')).status).toBe(200);
  });

  it('keeps a member out of the admin pages, in the page and in the API', async () => {
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    await page.goto(`${app.url}/assistant-architect`);
    await page.getByRole('heading', { name: 'Research Brief Writer' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).toEqual(['Run', 'Assistants', 'Executions', 'Knowledge']);
    for (const path of ['/people', '/audit', '/analytics']) {
      await page.goto(`${app.url}${path}`);
      await page.getByRole('heading', { name: 'Admins only' }).waitFor();
    }
    await screenshot(page, 'identity-member-admins-only');
    for (const procedure of ['users.list', 'audit.list', 'analytics.errorRateByAssistant']) {
      expect((await page.request.get(`${app.url}/trpc/${procedure}`)).status(), procedure).toBe(403);
    }
    await expect(app.client('demo').audit.list.query()).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
  });
});

describe('people, tokens and the audit log', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ webDist });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('lets an admin add a member whose token runs an assistant from Node until it is revoked', async () => {
    const admin = await browser.newPage({ baseUrl: app.url, user: 'admin' });
    await admin.goto(`${app.url}/people`);
    // The last admin cannot step down: the refusal shows next to the button.
    const adminRow = admin.locator(`tr[data-person="${TEST_PEOPLE.admin.email}"]`);
    await adminRow.getByRole('button', { name: 'Make member admin' }).click();
    await admin.locator('.row-problem', { hasText: `${TEST_PEOPLE.admin.email} is the last active admin` }).waitFor();

    await admin.getByLabel('Name', { exact: true }).fill('Grace Hopper');
    await admin.getByLabel('Email', { exact: true }).fill('grace@example.test');
    await admin.getByLabel('Initial password').fill('compilers all the way');
    await admin.getByRole('button', { name: 'Add person' }).click();
    await admin.getByRole('status').filter({ hasText: 'Added Grace Hopper (grace@example.test) as a member.' }).waitFor();
    const graceRow = admin.locator('tr[data-person="grace@example.test"]');
    await expect(graceRow.locator('td').allTextContents()).resolves.toEqual(
      expect.arrayContaining(['Grace Hopper', 'grace@example.test', 'member', 'active', 'password']),
    );
    await screenshot(admin, 'identity-people');

    const member = await browser.newPage({ baseUrl: app.url });
    await member.goto(`${app.url}/tokens`);
    await member.waitForURL(`${app.url}/sign-in?next=%2Ftokens`);
    await signInThroughPage(member, 'grace@example.test', 'compilers all the way');
    await member.getByRole('heading', { name: 'Personal access tokens' }).waitFor();
    await expect(member.locator('.account-menu summary').textContent()).resolves.toBe('Signed in as Grace Hopper member');
    expect(await member.getByRole('checkbox', { name: 'admin', exact: true }).isDisabled()).toBe(true);
    const token = await createTokenInPage(member, 'ci pipeline', ['executions:read', 'executions:write', 'assistants:read'], '30');
    expect(token).toMatch(/^aae_pat_/);
    await screenshot(member, 'identity-token-created');

    const client = createAaeClient({ baseUrl: app.url, token });
    await expect(client.users.me.query()).resolves.toMatchObject({ email: 'grace@example.test', role: 'member', via: 'token' });
    const [assistant] = (await client.assistants.list.query()).items;
    const { executionId } = await client.executions.execute.mutate({ assistantId: assistant!.id, input: { topic: 'compilers' } });
    const types = await followExecution(client, executionId);
    expect(types[0]).toBe('execution-start');
    expect(types.at(-1)).toBe('execution-complete');
    // The page's curl example, as written there.
    const csv = await fetch(`${app.url}/api/executions.csv`, { headers: { authorization: `Bearer ${token}` } });
    expect(csv.status).toBe(200);
    expect(await csv.text()).toContain(assistant!.name);

    await member.getByRole('button', { name: 'Done, I have copied it' }).click();
    const tokenRow = member.locator('.tokens-table tr', { hasText: 'ci pipeline' });
    await tokenRow.getByRole('button', { name: 'Revoke ci pipeline' }).click();
    await tokenRow.getByRole('button', { name: 'Yes, revoke' }).click();
    await tokenRow.locator('.status', { hasText: 'revoked' }).waitFor();
    await screenshot(member, 'identity-token-revoked');
    await expect(client.users.me.query()).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' }, message: 'This token was revoked' });
  });

  it('shows an admin the sign-ins and token creations in the audit log, filtered and page by page', async () => {
    const member = await browser.newPage({ baseUrl: app.url });
    await member.goto(`${app.url}/tokens`);
    await signInThroughPage(member, TEST_PEOPLE.other.email, TEST_PASSWORD);
    await member.getByRole('heading', { name: 'Personal access tokens' }).waitFor();
    await createTokenInPage(member, 'audited export', ['executions:read'], '7');
    // More sign-ins than one page holds, after the browser's: that one is then on the second page.
    for (let i = 0; i < 25; i++) expect((await app.signIn(TEST_PEOPLE.other.email, TEST_PASSWORD)).status).toBe(200);

    const admin = await browser.newPage({ baseUrl: app.url, user: 'admin' });
    await admin.goto(`${app.url}/audit`);
    await admin.getByLabel('Action').selectOption('token-created');
    await admin.waitForURL(/action=token-created/);
    const created = admin.locator('.audit-table tbody tr', { hasText: 'name: audited export' });
    await created.waitFor();
    await expect(created.locator('td').nth(2).textContent()).resolves.toBe(`other (${TEST_PEOPLE.other.email})`);
    expect(new Set(await admin.locator('.audit-table tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-action'))))).toEqual(
      new Set(['token-created']),
    );

    // A filtered view is a link: opened fresh, it shows only what it names.
    await admin.goto(`${app.url}/audit?action=sign-in&userId=${app.people.other.id}`);
    await admin.locator(`#audit-person option[value="${app.people.other.id}"]`).waitFor({ state: 'attached' });
    await expect(admin.getByLabel('Person').inputValue()).resolves.toBe(String(app.people.other.id));
    const rows = admin.locator('.audit-table tbody tr');
    const browserSignIn = rows.filter({ hasText: 'HeadlessChrome' });
    await rows.nth(24).waitFor();
    expect(await browserSignIn.count()).toBe(0);
    await admin.getByRole('button', { name: 'Load more' }).click();
    await browserSignIn.first().waitFor();
    await expect(browserSignIn.first().textContent()).resolves.toContain('method: password');
    const stored = await app.services.audit.list({ limit: 200, action: 'sign-in', userId: app.people.other.id });
    await expect(rows.count()).resolves.toBe(stored.items.length);
    await screenshot(admin, 'identity-audit-log');
  });
});

describe('single sign-on', () => {
  let provider: TestOidcProvider;
  let app: TestApp;
  beforeAll(async () => {
    provider = await startTestOidcProvider({ id: 'acme', name: 'Acme ID' });
    app = await startTestApp({ webDist, identity: { oidc: provider.config } });
  });
  afterAll(async () => {
    await app?.stop();
    await provider?.stop();
  });

  it('signs a person the deployment knows in through the provider, back to the page they wanted', async () => {
    provider.signInAs({ email: TEST_PEOPLE.demo.email, name: 'Demo at Acme' });
    const page = await browser.newPage({ baseUrl: app.url });
    await page.goto(`${app.url}/executions`);
    await page.waitForURL(`${app.url}/sign-in?next=%2Fexecutions`);
    const button = page.getByRole('button', { name: 'Sign in with Acme ID' });
    await button.waitFor();
    await screenshot(page, 'identity-sign-in-sso');
    await button.click();
    await page.waitForURL(`${app.url}/executions`);
    await page.getByRole('heading', { name: 'Your executions' }).waitFor();
    await expect(page.locator('.account-menu summary').textContent()).resolves.toBe('Signed in as demo member');
    const signIns = await app.services.audit.list({ limit: 1, action: 'sign-in', userId: app.people.demo.id });
    expect(signIns.items[0]?.details).toEqual({ method: 'sso:acme' });
  });

  it('tells someone the provider knows but the deployment does not that an admin must add them first', async () => {
    provider.signInAs({ email: 'stranger@example.test', name: 'Stranger' });
    const page = await browser.newPage({ baseUrl: app.url });
    await page.goto(`${app.url}/sign-in`);
    await page.getByRole('button', { name: 'Sign in with Acme ID' }).click();
    await page.getByRole('alert').filter({ hasText: 'Single sign-on did not complete' }).waitFor();
    await screenshot(page, 'identity-sign-in-sso-refused');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('An admin has to create your account');
    expect((await page.request.get(`${app.url}/trpc/users.me`)).status()).toBe(401);
  });
});
