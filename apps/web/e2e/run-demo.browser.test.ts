import { startTestApp, type TestApp } from '@aae/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, webDist, type TestBrowser } from './browser.ts';

let app: TestApp;
let browser: TestBrowser;

beforeAll(async () => {
  // Slow enough to watch the prompts run one after another.
  app = await startTestApp({ chunkDelayMs: 25, webDist });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('a person runs the demo assistant in the browser', () => {
  it('fills its inputs, runs it and watches every step reach complete, live', async () => {
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    await page.goto(`${app.url}/`);
    await page.getByRole('heading', { name: 'Research Brief Writer' }).waitFor();
    await screenshot(page, 'run-form');

    // Required input left empty: the form says so and nothing runs.
    await page.getByRole('button', { name: 'Run assistant' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Topic is required');
    expect(new URL(page.url()).pathname).toBe('/assistant-architect');

    await page.fill('[name="topic"]', 'urban heat islands');
    await page.fill('[name="audience"]', 'city planners');
    await page.click('button[type="submit"]');

    await page.waitForURL(/\/executions\/\d+$/);
    const executionId = Number(new URL(page.url()).pathname.split('/').pop());
    // Seen while running: a prompt in progress and the live connection.
    await page.locator('.prompt-card[data-status="running"]').first().waitFor();
    await expect(page.locator('.connection').textContent()).resolves.toMatch(/Live|Connecting/);
    await screenshot(page, 'execution-running');

    await page.waitForSelector('.execution-complete', { timeout: 60_000 });
    await page.locator('.output').nth(2).waitFor();
    await screenshot(page, 'execution-complete');

    const cards = page.locator('.prompt-card');
    await expect(cards.count()).resolves.toBe(3);
    expect(await cards.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-status')))).toEqual(['complete', 'complete', 'complete']);
    expect(await page.locator('.prompt-card h3').allTextContents()).toEqual(['Outline', 'Draft', 'Summary']);
    await expect(page.locator('.progress-caption').textContent()).resolves.toBe('All 3 prompts complete');

    // What the page shows is what was stored.
    const stored = await app.services.events.getExecutionEvents(executionId);
    expect(stored.map((event) => event.eventType)).toContain('execution-complete');
    const completes = await app.services.events.getExecutionEventsByType(executionId, 'prompt-complete');
    const tokensShown = await page.locator('.prompt-card .facts li', { hasText: 'output tokens' }).allTextContents();
    expect(tokensShown).toEqual(completes.map((event) => `${event.eventData.outputTokens} output tokens`));
    const execution = await app.services.executions.get(executionId);
    expect(await page.locator('.output p').allTextContents()).toEqual(execution!.promptResults.map((result) => result.output));
    await page.getByRole('tab', { name: 'Events' }).click();
    await page
      .locator('.event-log > li')
      .nth(stored.length - 1)
      .waitFor();
    await expect(page.locator('.event-log > li').count()).resolves.toBe(stored.length);
  });

  it('runs the Field Guide and sees what was found in the field notes and what the tools returned', async () => {
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    await page.goto(`${app.url}/assistant-architect`);
    await page.getByRole('link', { name: /Field Guide/ }).click();
    await page.getByLabel('Question').fill('Why are there two high tides a day?');
    await page.getByRole('button', { name: 'Run assistant' }).click();
    await page.waitForSelector('.execution-complete', { timeout: 60_000 });
    const executionId = Number(new URL(page.url()).pathname.split('/').pop());
    const [retrieved] = await app.services.events.getExecutionEventsByType(executionId, 'knowledge-retrieved');
    const knowledge = page.locator('.prompt-card').first().locator('.badge.knowledge');
    await expect(knowledge.textContent()).resolves.toBe(
      `knowledge: ${retrieved!.eventData.documentsFound} docs, relevance ${retrieved!.eventData.relevanceScore.toFixed(2)}`,
    );
    expect(retrieved!.eventData.documentsFound).toBeGreaterThan(0);
    const toolCalls = page.locator('.prompt-card').nth(1).locator('.tool-calls li');
    await expect(toolCalls.count()).resolves.toBe(2);
    await expect(toolCalls.first().textContent()).resolves.toContain('"value":705.797');
    await page.locator('.output').nth(1).waitFor();
    await screenshot(page, 'field-guide-complete');
  });

  it('replays a finished execution from its stored events and lists it among past executions', async () => {
    const client = app.client('demo');
    const { executionId } = await client.executions.execute.mutate({
      assistantId: (await client.assistants.list.query()).items[0]!.id,
      input: { topic: 'coastal erosion' },
    });
    await app.services.runner.waitFor(executionId);
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    await page.goto(`${app.url}/executions`);
    await page.getByRole('link', { name: `#${executionId}` }).click();
    await page.waitForSelector('.execution-complete');
    await expect(page.locator('.prompt-card[data-status="complete"]').count()).resolves.toBe(3);
    await expect(page.locator('.connection').textContent()).resolves.toBe('Stream ended');
  });

  it('shows another person’s execution as not found, as if it did not exist', async () => {
    const { executionId } = await app.client('admin').executions.execute.mutate({
      assistantId: (await app.client('admin').assistants.list.query()).items[0]!.id,
      input: { topic: 'private matter' },
    });
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    await page.goto(`${app.url}/executions/${executionId}`);
    await page.getByText('Not found', { exact: true }).waitFor();
    await expect(page.getByRole('alert').textContent()).resolves.toContain(`Execution ${executionId} does not exist`);
    await screenshot(page, 'execution-forbidden');
  });
});
