import { startTestApp, type TestApp } from '@aae/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, webDist, type TestBrowser } from './browser.ts';
import { collectExecutionEventsForTest } from './run-helpers.ts';

let app: TestApp;
let browser: TestBrowser;

/** Markup stored in a prompt: it must show as text and never run. */
const HOSTILE = '<img src=x onerror="window.__pwned = true">';

const inputVariables = [{ name: 'topic', label: 'Topic' }];
const firstPrompts = [
  { name: 'Opening', position: 1, content: `Open a talk about {{topic}} warmly. ${HOSTILE}` },
  { name: 'Middle', position: 2, content: 'Expand on {{output:Opening}} with three facts' },
];

beforeAll(async () => {
  app = await startTestApp({ webDist });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('versions of an assistant in the web app', () => {
  it('shows an old execution with the prompts it ran after the assistant changed, and the change between the versions', async () => {
    const client = app.client('demo');
    const created = await client.assistants.create.mutate({ name: 'Talk writer', inputVariables, prompts: firstPrompts });
    const { executionId } = await client.executions.execute.mutate({ assistantId: created.id, input: { topic: 'tides' } });
    await collectExecutionEventsForTest(app, 'demo', executionId);

    // A new version: the opening edited (same line), the middle renamed and rewritten, a closing added.
    const [opening, middle] = created.prompts;
    const saved = await client.assistants.save.mutate({
      id: created.id,
      baseVersion: created.version,
      name: 'Talk writer',
      inputVariables,
      prompts: [
        { id: opening!.id, name: 'Opening', position: 1, content: `Open a talk about {{topic}} briskly. ${HOSTILE}` },
        { id: middle!.id, name: 'Body', position: 2, content: 'Expand on {{output:Opening}} with five facts' },
        { name: 'Closing', position: 3, content: 'Close the talk from {{output:Body}}' },
      ],
    });
    expect(saved.version).toBe(2);

    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    await page.goto(`${app.url}/executions/${executionId}`);
    await page.locator('.execution-complete').waitFor();
    expect(await page.locator('.prompt-card h3').allTextContents()).toEqual(['Opening', 'Middle']);
    await page.locator('.prompt-card summary', { hasText: 'Prompt text' }).first().click();
    await expect(page.locator('.prompt-text pre').first().textContent()).resolves.toBe(firstPrompts[0]!.content);
    await screenshot(page, 'versions-old-execution');

    await page.getByRole('link', { name: 'version 1' }).click();
    await page.waitForURL(`${app.url}/assistants/${created.id}/versions/1`);
    await page.locator('.prompt-definitions').waitFor();
    expect(await page.locator('.prompt-definition h3').allTextContents()).toEqual(['1. Opening', '2. Middle']);
    expect(await page.locator('.version-table code').allTextContents()).toEqual(['topic']);
    await expect(page.locator('.prompt-content').first().textContent()).resolves.toBe(firstPrompts[0]!.content);

    await page.getByRole('link', { name: 'All versions' }).click();
    await page.locator('.version-table').waitFor();
    expect(await page.locator('.version-table tbody tr td:first-child a').allTextContents()).toEqual(['Version 2', 'Version 1']);
    // The compare form from the keyboard: its defaults are the two newest versions.
    await page.getByLabel('From').focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${app.url}/assistants/${created.id}/versions/compare?from=1&to=2`);

    const changes = page.locator('.prompt-change');
    await changes.first().waitFor();
    expect(await changes.evaluateAll((items) => items.map((item) => item.getAttribute('aria-label')))).toEqual([
      'Prompt Opening, changed',
      'Prompt Body, changed',
      'Prompt Closing, added',
    ]);
    const openingDiff = changes.nth(0).locator('.text-diff');
    await expect(openingDiff.locator('del').textContent()).resolves.toContain('warmly');
    await expect(openingDiff.locator('ins').textContent()).resolves.toContain('briskly');
    expect(await changes.nth(1).locator('h3').textContent()).toContain('Middle → Body');
    await expect(changes.nth(1).locator('.text-diff del').allTextContents()).resolves.toEqual([expect.stringContaining('three')]);
    await expect(changes.nth(1).locator('.text-diff ins').allTextContents()).resolves.toEqual([expect.stringContaining('five')]);
    expect(await page.getByText('Input variables unchanged.').isVisible()).toBe(true);
    await screenshot(page, 'versions-compare-1280');

    // Stored markup is text on every page that shows it.
    expect(await page.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned)).toBeUndefined();
    expect(await page.locator('.prompt-change img').count()).toBe(0);

    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await screenshot(page, 'versions-compare-390');

    // Running the old execution again runs the assistant as it is now, and the page says so first.
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${app.url}/executions/${executionId}`);
    const again = page.getByRole('button', { name: 'Run again with version 2' });
    await again.waitFor();
    await expect(page.locator('#run-again-version').textContent()).resolves.toContain(
      'the assistant was saved since; running again uses its current version 2, with the same input',
    );
    await screenshot(page, 'versions-run-again');
    await again.click();
    await page.waitForURL((url) => url.pathname.startsWith('/executions/') && url.pathname !== `/executions/${executionId}`);
    await page.locator('.execution-complete').waitFor();
    expect(await page.locator('.prompt-card h3').allTextContents()).toEqual(['Opening', 'Body', 'Closing']);
    await page.getByRole('button', { name: 'Run again', exact: true }).waitFor();
    expect(await page.locator('#run-again-version').count()).toBe(0);
  });

  it('compares any two versions, also those past the first page of the list', async () => {
    const client = app.client('demo');
    let assistant = await client.assistants.create.mutate({ name: 'Often saved', inputVariables, prompts: firstPrompts });
    for (let round = 2; round <= 25; round++) {
      const [opening, middle] = assistant.prompts;
      assistant = await client.assistants.save.mutate({
        id: assistant.id,
        baseVersion: assistant.version,
        name: 'Often saved',
        inputVariables,
        prompts: [
          { id: opening!.id, name: 'Opening', position: 1, content: `Open a talk about {{topic}}, draft ${round}.` },
          { id: middle!.id, name: 'Middle', position: 2, content: 'Expand on {{output:Opening}} with three facts' },
        ],
      });
    }
    expect(assistant.version).toBe(25);
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    await page.goto(`${app.url}/assistants/${assistant.id}/versions`);
    await page.locator('.version-table').waitFor();
    // The list shows its first page; the form offers every version.
    expect(await page.locator('.version-table tbody tr').count()).toBe(20);
    expect(await page.getByLabel('From').locator('option').count()).toBe(25);
    await page.getByLabel('From').selectOption('3');
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.waitForURL(`${app.url}/assistants/${assistant.id}/versions/compare?from=3&to=25`);
    await page.locator('.prompt-change').first().waitFor();
    await expect(page.getByLabel('From').inputValue()).resolves.toBe('3');
    await expect(page.locator('.prompt-change .text-diff ins').first().textContent()).resolves.toContain('25');
  });

  it('says what is wrong with an address that names no version', async () => {
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    const { id } = await app.client('demo').assistants.create.mutate({ name: 'Single', inputVariables, prompts: firstPrompts });
    await page.goto(`${app.url}/assistants/${id}/versions/7`);
    await expect(page.getByRole('alert').textContent()).resolves.toContain(`Assistant ${id} has no version 7; its versions are 1 to 1`);
    await page.goto(`${app.url}/assistants/${id}/versions/compare?from=1`);
    await page.getByRole('heading', { name: 'Choose two versions' }).waitFor();
    await page.goto(`${app.url}/assistants/${id}/versions`);
    await page.getByText('Only one version so far: nothing to compare yet.').waitFor();
    await page.goto(`${app.url}/assistants/999999/versions`);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Assistant 999999 does not exist');
  });
});
