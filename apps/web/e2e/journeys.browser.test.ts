import { readFile } from 'node:fs/promises';
import { getExecutionEvents } from '@aae/client';
import { startTestApp, type TestApp, type TestPerson } from '@aae/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectExecutionEventsForTest } from './run-helpers.ts';
import { launchBrowser, screenshot, webDist, type TestBrowser } from './browser.ts';

let app: TestApp;
let browser: TestBrowser;
let assistantId: number;

beforeAll(async () => {
  app = await startTestApp({ chunkDelayMs: 40, webDist });
  browser = await launchBrowser();
  assistantId = (await app.client('demo').assistants.list.query()).items[0]!.id;
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

async function runAs(user: TestPerson, topic: string) {
  const { executionId } = await app.client(user).executions.execute.mutate({ assistantId, input: { topic } });
  await app.services.runner.waitFor(executionId);
  await collectExecutionEventsForTest(app, user, executionId);
  return executionId;
}

describe('journeys through the web app', () => {
  it('recovers from a lost connection mid-run with no step missing or repeated', async () => {
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    await page.goto(`${app.url}/assistant-architect`);
    await page.fill('[name="topic"]', 'flaky networks');
    await page.click('button[type="submit"]');
    await page.waitForURL(/\/executions\/\d+$/);
    const executionId = Number(new URL(page.url()).pathname.split('/').pop());
    await page.locator('.prompt-card[data-status="running"]').first().waitFor();

    // The network goes away and the server drops every connection, as a proxy restart would.
    await page.context().setOffline(true);
    app.http.server.closeAllConnections();
    await page.locator('.connection', { hasText: 'Reconnecting…' }).waitFor({ timeout: 60_000 });
    await screenshot(page, 'journey-reconnecting');
    await page.context().setOffline(false);

    await page.waitForSelector('.execution-complete', { timeout: 60_000 });
    await page.locator('.output').nth(2).waitFor();
    await screenshot(page, 'journey-recovered');
    const stored = await getExecutionEvents(app.client('demo'), executionId);
    expect(await page.locator('.prompt-card').evaluateAll((cards) => cards.map((card) => card.getAttribute('data-status')))).toEqual([
      'complete',
      'complete',
      'complete',
    ]);
    await page.getByRole('tab', { name: 'Events' }).click();
    await page
      .locator('.event-log > li')
      .nth(stored.length - 1)
      .waitFor();
    const shown = await page.locator('.event-log > li summary').allTextContents();
    expect(shown.map((text) => Number(/#(\d+)/.exec(text)![1]))).toEqual(stored.map((event) => event.sequence));
  });

  it('replays a past execution: the view shows it as it was at the chosen event', async () => {
    const executionId = await runAs('demo', 'glaciers');
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    await page.goto(`${app.url}/executions/${executionId}`);
    await page.waitForSelector('.execution-complete');
    const slider = page.getByRole('slider', { name: 'Events shown' });
    // Event 4 is the first prompt-complete: one prompt done, the next not started yet.
    await slider.fill('4');
    await expect(page.locator('.replay-status').textContent()).resolves.toContain('Event 4 of 11 · prompt-complete');
    expect(await page.locator('.prompt-card').evaluateAll((cards) => cards.map((card) => card.getAttribute('data-status')))).toEqual([
      'complete',
      'pending',
      'pending',
    ]);
    await expect(page.locator('.progress-caption').textContent()).resolves.toBe('1 of 3 prompts complete');
    await page.getByRole('tab', { name: 'Timeline' }).click();
    await page.locator('.timeline-cursor').waitFor();
    await screenshot(page, 'journey-replay');
    await page.getByRole('button', { name: 'Show latest' }).click();
    await expect(page.locator('.replay-status').textContent()).resolves.toBe('Live · 11 events');

    // Running it again starts a new execution with the same input.
    await page.getByRole('button', { name: 'Run again' }).click();
    await page.waitForURL((url) => url.pathname !== `/executions/${executionId}`);
    const again = Number(new URL(page.url()).pathname.split('/').pop());
    expect(again).toBeGreaterThan(executionId);
    await expect(app.client('demo').executions.get.query({ executionId: again })).resolves.toMatchObject({ input: { topic: 'glaciers' } });
  });

  it('lets an admin filter the history by user and open an execution’s raw events', async () => {
    const mine = await runAs('admin', 'admin topic');
    const theirs = await runAs('demo', 'demo topic');
    const page = await browser.newPage({ baseUrl: app.url, user: 'admin' });
    await page.goto(`${app.url}/executions`);
    await page.getByRole('link', { name: `#${mine}` }).waitFor();
    await page.getByLabel('User').fill('demo');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/userName=demo/);
    await page.getByRole('link', { name: `#${theirs}` }).waitFor();
    expect(await page.getByRole('link', { name: `#${mine}` }).count()).toBe(0);
    const users = await page.locator('.executions-table tbody tr td:nth-child(3)').allTextContents();
    expect(new Set(users)).toEqual(new Set(['demo']));
    await screenshot(page, 'journey-history-filtered');

    // A deep link keeps the filter.
    await page.reload();
    await expect(page.getByLabel('User').inputValue()).resolves.toBe('demo');

    await page.getByRole('link', { name: `#${theirs}` }).click();
    await page.getByRole('tab', { name: 'Events' }).click();
    await page.locator('.event-log > li summary', { hasText: 'execution-start' }).click();
    await expect(page.locator('.event-log .json').first().textContent()).resolves.toContain(`evt_${theirs}_000001`);
    await screenshot(page, 'journey-raw-event');
  });

  it('shows the analytics procedures’ numbers in the charts', async () => {
    const page = await browser.newPage({ baseUrl: app.url, user: 'admin' });
    // The page's questions leave while its code (the charts) is still loading: the code is held
    // back until they have, and the page then asks nothing again.
    const analyticsRequests: string[] = [];
    let askedFirst!: () => void;
    const asked = new Promise<void>((resolve) => {
      askedFirst = resolve;
    });
    page.on('request', (request) => {
      if (!request.url().includes('/trpc/') || !request.url().includes('analytics.')) return;
      analyticsRequests.push(new URL(request.url()).pathname);
      askedFirst();
    });
    let heldUntilAsked = false;
    await page.route(/\/assets\/analytics-page-[^/]+\.js$/, async (route) => {
      // Bounded, so a page that never asks fails the assertion below instead of hanging.
      let giveUp: NodeJS.Timeout | undefined;
      heldUntilAsked = await Promise.race([
        asked.then(() => true),
        new Promise<boolean>((resolve) => {
          giveUp = setTimeout(() => resolve(false), 15_000);
        }),
      ]);
      clearTimeout(giveUp);
      await route.continue();
    });
    await page.goto(`${app.url}/analytics`);
    await page.locator('[data-chart="error-rate-by-assistant"] .chart-data').waitFor();
    expect(heldUntilAsked).toBe(true);
    expect(analyticsRequests).toHaveLength(1);
    for (const procedure of [
      'executionsOverTime',
      'executionTimeByAssistant',
      'errorRateByAssistant',
      'durationPercentiles',
      'averagePromptDuration',
      'tokensByModel',
      'mostUsedRepositories',
    ]) {
      expect(analyticsRequests[0]).toContain(`analytics.${procedure}`);
    }
    await page.unroute(/\/assets\/analytics-page-[^/]+\.js$/);
    await page.getByLabel('Period').selectOption('all');
    const expected = await app.services.analytics.errorRateByAssistant();
    await page
      .locator('[data-chart="error-rate-by-assistant"] .chart-data tbody tr')
      .nth(expected.length - 1)
      .waitFor();
    const rows = await page
      .locator('[data-chart="error-rate-by-assistant"] .chart-data tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows).toEqual(expected.map((row) => [row.assistantName, `${(row.errorRate * 100).toFixed(1)}%`, String(row.errors), String(row.executions)]));
    const tokens = await app.services.analytics.tokensByModel();
    const tokenRows = await page.locator('[data-chart="tokens-by-model"] .chart-data tbody tr td:nth-child(2)').allTextContents();
    expect(tokenRows).toEqual(tokens.map((row) => new Intl.NumberFormat('en').format(row.outputTokens)));
    await page.locator('[data-chart="executions-over-time"] svg').first().waitFor();
    await screenshot(page, 'journey-analytics');

    // One person's executions only, as the procedure answers for them.
    const demo = (await app.services.users.list()).find((user) => user.name === 'demo')!;
    await page.getByLabel('Person').selectOption(String(demo.id));
    const theirs = await app.services.analytics.errorRateByAssistant({ userId: demo.id });
    expect(theirs.reduce((sum, row) => sum + row.executions, 0)).toBeLessThan(expected.reduce((sum, row) => sum + row.executions, 0));
    await expect
      .poll(() => page.locator('[data-chart="error-rate-by-assistant"] .chart-data tbody tr td:nth-child(4)').allTextContents())
      .toEqual(theirs.map((row) => String(row.executions)));
    await screenshot(page, 'journey-analytics-person');
  });

  it('downloads an execution’s events whose rows equal the API’s', async () => {
    const executionId = await runAs('demo', 'exports');
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    await page.goto(`${app.url}/executions/${executionId}`);
    await page.waitForSelector('.execution-complete');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'NDJSON' }).click()]);
    expect(download.suggestedFilename()).toBe(`execution-${executionId}-events.ndjson`);
    const rows = (await readFile((await download.path())!, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const api = await getExecutionEvents(app.client('demo'), executionId);
    expect(rows.map((row) => row.eventData)).toEqual(api.map((event) => event.eventData));
    expect(rows.map((row) => row.sequence)).toEqual(api.map((event) => event.sequence));
  });

  it('shows a live feed of every execution to an admin', async () => {
    const page = await browser.newPage({ baseUrl: app.url, user: 'admin' });
    await page.goto(`${app.url}/live`);
    await page.locator('.connection', { hasText: 'Live' }).waitFor();
    const executionId = await runAs('demo', 'live feed');
    await page.locator(`.feed-table tr[data-event-type="execution-complete"] a`, { hasText: `#${executionId}` }).waitFor();
    await screenshot(page, 'journey-live-feed');
  });

  it('refuses a regular user the admin pages, and fits a phone screen', async () => {
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo', width: 390, height: 844 });
    await page.goto(`${app.url}/analytics`);
    await page.getByRole('heading', { name: 'Admins only' }).waitFor();
    expect(await page.getByRole('link', { name: 'Analytics' }).count()).toBe(0);
    await page.goto(`${app.url}/live`);
    await page.getByRole('heading', { name: 'Admins only' }).waitFor();
    await screenshot(page, 'journey-admins-only-390');
    const analytics = await fetch(`${app.url}/trpc/analytics.errorRateByAssistant`, { headers: { authorization: `Bearer ${app.tokenOf('demo')}` } });
    expect(analytics.status).toBe(403);

    await page.goto(`${app.url}/assistant-architect`);
    await page.getByRole('heading', { name: 'Research Brief Writer' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'journey-run-390');
    const executionId = await runAs('demo', 'small screens');
    await page.goto(`${app.url}/executions/${executionId}`);
    await page.waitForSelector('.execution-complete');
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await screenshot(page, 'journey-execution-390');
  });
});
