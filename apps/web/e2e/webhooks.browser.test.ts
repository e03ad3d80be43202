import { startTestApp, startWebhookReceiver, type TestApp, type WebhookReceiver } from '@aae/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, webDist, type TestBrowser } from './browser.ts';

let app: TestApp;
let browser: TestBrowser;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  // A retry 50 ms after a refusal rather than Svix's 5 s.
  app = await startTestApp({ webDist, services: { webhooks: { destinations: { allowedHosts: ['127.0.0.1'] }, retryScheduleMs: [0, 50], pollMs: 100 } } });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await receiver?.close();
});

describe('the webhooks page', () => {
  it('registers an endpoint, shows its secret once, and logs a delivery that can be sent again', async () => {
    const page = await browser.newPage({ baseUrl: app.url, user: 'admin' });
    await page.goto(`${app.url}/webhooks`);
    await page.getByText('No endpoint yet: nothing is sent.').waitFor();

    // A private destination that is not allowed: the server's refusal is shown, naming it.
    await page.getByLabel('URL').fill('http://192.168.1.10/hook');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByRole('alert').filter({ hasText: '192.168.1.10' }).waitFor();

    await page.getByLabel('URL').fill(`${receiver.url}/browser`);
    await page.getByLabel('Description').fill('<img src=x onerror=alert(1)> receiver');
    // Its filter is for executions; a test message goes whatever the filter.
    await page.getByRole('checkbox', { name: 'execution-complete', exact: true }).check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secretField = page.getByRole('textbox', { name: 'Signing secret' });
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    receiver.secret('/browser', secret);
    // The first request of each message is refused: the log shows the retry.
    receiver.answer('/browser', ({ seen }) => (seen === 1 ? 500 : 200));
    await screenshot(page, 'webhooks-secret-once');
    await page.getByRole('button', { name: 'Done, I have copied it' }).click();
    expect(await page.getByRole('textbox', { name: 'Signing secret' }).count()).toBe(0);

    const row = page.locator('.webhooks-table tr[data-endpoint]');
    // Stored text is shown as text.
    await row.getByText('<img src=x onerror=alert(1)> receiver').waitFor();
    await row.getByText('Enabled').waitFor();
    await row.getByRole('button', { name: /Send test event/ }).click();
    await row.getByRole('button', { name: /Deliveries/ }).click();

    const log = page.locator('.deliveries-table tbody tr');
    await log.first().getByText('Delivered').waitFor();
    await expect(log.first().textContent()).resolves.toContain('200');
    await log.first().locator('summary').click();
    await log.first().locator('.webhook-attempts li').nth(1).waitFor();
    const tries = await log.first().locator('.webhook-attempts li').allTextContents();
    expect(tries[0]).toMatch(/: 500, \d+ ms$/);
    expect(tries[1]).toMatch(/: 200, \d+ ms$/);
    await expect.poll(() => receiver.messages('/browser').map((message) => message.payload?.type)).toEqual(['webhook-test']);
    await screenshot(page, 'webhooks-delivery-log');

    await log
      .first()
      .getByRole('button', { name: /Send again/ })
      .click();
    await expect.poll(() => log.count()).toBe(2);
    await log.first().getByText('Delivered').waitFor();
    await expect(log.first().textContent()).resolves.toContain('sent again from');
    // The first try and its retry, then the resend.
    await expect.poll(() => receiver.received.filter((entry) => entry.path === '/browser').length).toBe(3);
    // The same message: a receiver deduplicating by webhook-id processes it once.
    expect(receiver.messages('/browser')).toHaveLength(1);

    await row.getByRole('button', { name: /Delete/ }).click();
    await page.getByRole('button', { name: 'Delete endpoint' }).click();
    await page.getByText('No endpoint yet: nothing is sent.').waitFor();
    expect(await app.client('admin').webhooks.list.query()).toEqual([]);
  });

  it('shows an endpoint disabled after failures, with why, and re-enables it', async () => {
    const { endpoint } = await app.client('admin').webhooks.create.mutate({ url: `${receiver.url}/down` });
    await app.database.prisma.webhookEndpoint.update({
      where: { id: endpoint.id },
      data: { enabled: false, disabledReason: 'Disabled after 10 failed attempts in a row (last: HTTP 503)', disabledAt: new Date(), consecutiveFailures: 10 },
    });
    const page = await browser.newPage({ baseUrl: app.url, user: 'admin', width: 390, height: 844 });
    await page.goto(`${app.url}/webhooks`);
    await page.getByRole('alert').filter({ hasText: 'disabled after repeated failures' }).waitFor();
    const row = page.locator(`.webhooks-table tr[data-endpoint="${endpoint.id}"]`);
    await row.getByText('Disabled after 10 failed attempts in a row (last: HTTP 503)').waitFor();
    await screenshot(page, 'webhooks-disabled-390');
    await row.getByRole('button', { name: /Re-enable/ }).click();
    await row.getByText('Enabled').waitFor();
    expect((await app.client('admin').webhooks.list.query())[0]).toMatchObject({ enabled: true, disabledReason: null, consecutiveFailures: 0 });
  });
});
