import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGatedModel, createHeldAssistant, demoAssistantIdOf, startTestApp, type TestApp } from '@aae/server/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, webDist, type TestBrowser } from './browser.ts';

let app: TestApp;
let browser: TestBrowser;
let heldAssistantId: number;
const gated = createGatedModel();

/** The event streams the server holds open now, and the procedure of every one it was asked for. */
const openStreams = new Set<IncomingMessage>();
const streamPaths: string[] = [];
const trackStreams = (req: IncomingMessage, res: ServerResponse) => {
  const path = new URL(req.url ?? '/', 'http://server').pathname;
  if (!path.startsWith('/trpc/events.on')) return;
  streamPaths.push(path.slice('/trpc/'.length));
  openStreams.add(req);
  res.on('close', () => openStreams.delete(req));
};

beforeAll(async () => {
  app = await startTestApp({ webDist, services: { models: [gated.model] } });
  heldAssistantId = await createHeldAssistant(app);
  app.http.server.on('request', trackStreams);
  browser = await launchBrowser();
});
afterAll(async () => {
  gated.release();
  app?.http.server.off('request', trackStreams);
  await browser?.close();
  await app?.stop();
});

const TABS = 10;

describe('every tab of a browser shares one live connection', () => {
  // Before the test that releases the gated model: these runs wait on it.
  it('carries the admin live feed on the same stream as the execution tabs and the list, live', async () => {
    const admin = app.client('admin');
    const executionIds: number[] = [];
    for (let index = 0; index < 2; index++) executionIds.push((await admin.executions.execute.mutate({ assistantId: heldAssistantId, input: {} })).executionId);
    const asked = streamPaths.length;
    const first = await browser.newPage({ baseUrl: app.url, user: 'admin' });
    const tabs: Page[] = [first, await first.context().newPage()];
    for (const [index, tab] of tabs.entries()) {
      await tab.goto(`${app.url}/executions/${executionIds[index]}`);
      await tab.locator('.output-live', { hasText: 'The first words,' }).waitFor();
    }
    const list = await first.context().newPage();
    await list.goto(`${app.url}/executions`);
    await expect.poll(() => list.locator(`.live-progress[data-execution-id="${executionIds[0]}"]`).textContent()).toBe('0 of 1 prompts · running Held');
    const feed = await first.context().newPage();
    await feed.goto(`${app.url}/live`);
    await feed.locator('.connection', { hasText: 'Live' }).waitFor();
    // Its backlog: the held runs' first events.
    await feed.locator('.feed-table tr[data-event-type="prompt-start"] a', { hasText: `#${executionIds[1]}` }).waitFor();
    for (const tab of tabs) await expect.poll(() => tab.locator('.connection').textContent()).toBe('Live');

    // A run started now shows in the feed as it happens, by whoever ran it.
    const { executionId } = await app.client('demo').executions.execute.mutate({
      assistantId: await demoAssistantIdOf(app),
      input: { topic: 'sea otters', audience: 'children' },
    });
    const completed = feed.locator('.feed-table tr[data-event-type="execution-complete"]', {
      has: feed.getByRole('link', { name: `#${executionId}`, exact: true }),
    });
    await completed.waitFor({ timeout: 60_000 });
    expect(await completed.textContent()).toContain('demo');
    await screenshot(feed, 'live-feed-shared');
    // Two execution tabs, the list and the feed: one event stream in all, the shared one.
    await expect.poll(() => openStreams.size).toBe(1);
    expect(streamPaths.length).toBeGreaterThan(asked);
    expect(new Set(streamPaths.slice(asked))).toEqual(new Set(['events.onLive']));
    await first.context().close();
    await expect.poll(() => openStreams.size).toBe(0);
  });

  it('shows ten running executions live in ten tabs, then their completion, over one event stream', async () => {
    const client = app.client('demo');
    const executionIds: number[] = [];
    for (let index = 0; index < TABS; index++) {
      executionIds.push((await client.executions.execute.mutate({ assistantId: heldAssistantId, input: {} })).executionId);
    }

    const first = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    const tabs: Page[] = [first];
    for (let index = 1; index < TABS; index++) tabs.push(await first.context().newPage());
    // One tab after another, each on its execution's page: six would be the most over separate connections.
    for (const [index, tab] of tabs.entries()) await tab.goto(`${app.url}/executions/${executionIds[index]}`);

    for (const tab of tabs) {
      // Live in each: the prompt runs and the text its model wrote so far is shown as it writes.
      await tab.locator('.prompt-card[data-status="running"]').waitFor();
      await tab.locator('.output-live', { hasText: 'The first words,' }).waitFor();
      await expect.poll(() => tab.locator('.connection').textContent()).toBe('Live');
    }
    await screenshot(tabs.at(-1)!, 'ten-tabs-live');
    // One stream for all ten, the shared one; no tab opened its own.
    await expect.poll(() => openStreams.size).toBe(1);
    expect(new Set(streamPaths)).toEqual(new Set(['events.onLive']));

    // The executions list, in an eleventh tab, shows each running one's progress over the same stream.
    const list = await first.context().newPage();
    await list.goto(`${app.url}/executions`);
    for (const executionId of executionIds) {
      await expect.poll(() => list.locator(`.live-progress[data-execution-id="${executionId}"]`).textContent()).toBe('0 of 1 prompts · running Held');
    }
    await expect.poll(() => openStreams.size).toBe(1);
    expect(new Set(streamPaths)).toEqual(new Set(['events.onLive']));

    gated.release();
    for (const [index, tab] of tabs.entries()) {
      await tab.locator('.execution-complete').waitFor({ timeout: 60_000 });
      await expect.poll(() => tab.locator('.progress-caption').textContent()).toBe('All 1 prompts complete');
      // Every stored event of the run reached the tab, once.
      const stored = await app.services.events.getExecutionEvents(executionIds[index]!);
      expect(stored.at(-1)!.eventType).toBe('execution-complete');
      await expect.poll(() => tab.locator('.stats div', { hasText: 'Events' }).locator('dd').textContent()).toBe(String(stored.length));
    }
    await screenshot(tabs[0]!, 'ten-tabs-complete');
    // With every execution ended, the list shows them complete.
    for (const executionId of executionIds) {
      await expect
        .poll(() => list.locator('tr', { has: list.getByRole('link', { name: `#${executionId}`, exact: true }) }).textContent())
        .toContain('Complete');
    }
  });

  it('streams over a connection of the tab’s own where the browser has no shared workers', async () => {
    const { executionId } = await app.client('demo').executions.execute.mutate({
      assistantId: await demoAssistantIdOf(app),
      input: { topic: 'kelp forests', audience: 'divers' },
    });
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    await page.addInitScript(() => Reflect.deleteProperty(window, 'SharedWorker'));
    const asked = streamPaths.length;
    await page.goto(`${app.url}/executions/${executionId}`);
    expect(await page.evaluate(() => typeof SharedWorker)).toBe('undefined');
    await page.locator('.execution-complete').waitFor({ timeout: 60_000 });
    const stored = await app.services.events.getExecutionEvents(executionId);
    await expect.poll(() => page.locator('.stats div', { hasText: 'Events' }).locator('dd').textContent()).toBe(String(stored.length));
    expect(streamPaths.slice(asked).length).toBeGreaterThan(0);
    expect(new Set(streamPaths.slice(asked))).toEqual(new Set(['events.onLive']));
  });
});
