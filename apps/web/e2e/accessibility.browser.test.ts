import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startTestApp, TEST_PEOPLE, type TestApp, type TestPerson } from '@aae/server/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, webDist, type TestBrowser } from './browser.ts';
import { createTokenInPage, openAccountMenu, signInThroughPage } from './identity-helpers.ts';
import { collectExecutionEventsForTest } from './run-helpers.ts';

// Evaluated through the browser's debugging channel, which the page's Content-Security-Policy does
// not govern (a script tag it would block, and rightly).
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let app: TestApp;
let browser: TestBrowser;
let executionId: number;
let assistantId: number;

beforeAll(async () => {
  app = await startTestApp({ webDist });
  browser = await launchBrowser();
  const client = app.client('admin');
  const [summary] = (await client.assistants.list.query()).items;
  assistantId = summary!.id;
  ({ executionId } = await client.executions.execute.mutate({ assistantId, input: { topic: 'accessible charts' } }));
  await collectExecutionEventsForTest(app, 'admin', executionId);
  // A second version, for the pages of versions and their comparison.
  const assistant = await client.assistants.get.query({ id: assistantId });
  await client.assistants.save.mutate({
    id: assistantId,
    baseVersion: assistant.version,
    name: assistant.name,
    description: assistant.description,
    inputVariables: assistant.inputVariables,
    prompts: assistant.prompts.map((prompt, index) => (index === 0 ? { ...prompt, content: `${prompt.content} Keep it short.` } : prompt)),
  });
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

/** axe-core's WCAG 2.1 A/AA rules; what it finds serious or critical fails the page. */
async function audit(page: Page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            context: Document,
            options: object,
          ): Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }> }>;
        };
      }
    ).axe;
    return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
  });
  return result.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes
          .map((node) => node.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
    );
}

/** How far the page is wider than the window: anything above 0 scrolls sideways. */
function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

describe('accessibility (axe-core, WCAG 2.1 AA)', () => {
  for (const [name, path, ready] of [
    ['run page', '/assistant-architect', 'form'],
    ['execution page', () => `/executions/${executionId}`, '.execution-complete'],
    ['execution timeline', () => `/executions/${executionId}?tab=timeline`, '.timeline'],
    ['history', '/executions', '.executions-table'],
    ['analytics', '/analytics', '.chart-data'],
    ['live feed', '/live', '.feed-table'],
  ] as const) {
    it(`finds no serious problem on the ${name}`, async () => {
      const page = await browser.newPage({ baseUrl: app.url, user: 'admin' });
      await page.goto(`${app.url}${typeof path === 'function' ? path() : path}`);
      await page.locator(ready).first().waitFor();
      expect(await audit(page)).toEqual([]);
    });
  }

  it('reaches every control of the run form with the keyboard, in order', async () => {
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    await page.goto(`${app.url}/assistant-architect`);
    await page.locator('form').waitFor();
    const reached: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      reached.push(
        await page.evaluate(() => {
          const element = document.activeElement as HTMLElement | null;
          return element
            ? `${element.tagName.toLowerCase()}${element.getAttribute('name') ? `[${element.getAttribute('name')}]` : ''}:${(element.textContent ?? '').trim().slice(0, 20)}`
            : '';
        }),
      );
    }
    expect(reached[0]).toBe('a:Skip to content');
    expect(reached).toContain('input[topic]:');
    expect(reached).toContain('input[audience]:');
    expect(reached).toContain('button:Run assistant');
    expect(reached.indexOf('input[topic]:')).toBeLessThan(reached.indexOf('button:Run assistant'));
  });

  for (const width of [1280, 390]) {
    for (const [name, path, ready, user] of [
      ['account page', '/account', '#account-current', 'demo'],
      ['tokens page', '/tokens', '.tokens-table', 'demo'],
      ['people page', '/people', '.people-table', 'admin'],
      ['audit log', '/audit', '.audit-table', 'admin'],
      ['retention page', '/retention', '#set-policy-heading', 'admin'],
      ['webhooks page', '/webhooks', '#new-endpoint-heading', 'admin'],
      ['knowledge page', '/knowledge', '.repositories-table', 'demo'],
    ] as const satisfies ReadonlyArray<readonly [string, string, string, TestPerson]>) {
      it(`finds no serious problem on the ${name} at ${width} px, and nothing scrolls sideways`, async () => {
        const page = await browser.newPage({ baseUrl: app.url, user, width });
        await page.goto(`${app.url}${path}`);
        await page.locator(ready).first().waitFor();
        expect(await audit(page)).toEqual([]);
        expect(await overflow(page)).toBeLessThanOrEqual(0);
        if (width === 390) await screenshot(page, `a11y-${path.slice(1)}-390`);
      });
    }

    it(`finds no serious problem on a knowledge repository with uploads and search results shown at ${width} px, and nothing scrolls sideways`, async () => {
      const guide = (await app.client('admin').knowledge.repositories.list.query()).items.find((repository) => repository.ownerId === null);
      const page = await browser.newPage({ baseUrl: app.url, user: 'admin', width });
      await page.goto(`${app.url}/knowledge/${guide!.id}`);
      await page.locator('.documents-table').waitFor();
      // A file refused here shows its row with the reason.
      await page.locator('#document-files').setInputFiles([{ name: 'notes.docx', mimeType: 'application/octet-stream', buffer: Buffer.from('PK') }]);
      await page.getByText('Refused', { exact: true }).waitFor();
      await page.getByRole('searchbox', { name: 'Query' }).fill('spring tides');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      for (const column of ['keyword', 'vector', 'hybrid']) await page.locator(`.search-${column} .search-result`).first().waitFor();
      expect(await audit(page)).toEqual([]);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      if (width === 390) await screenshot(page, 'a11y-knowledge-repository-390');
    });

    it(`finds no serious problem on the assistants list and the editor (with errors shown) at ${width} px, and nothing scrolls sideways`, async () => {
      const page = await browser.newPage({ baseUrl: app.url, user: 'admin', width });
      await page.goto(`${app.url}/assistants`);
      await page.locator('.assistants-table').waitFor();
      expect(await audit(page)).toEqual([]);
      expect(await overflow(page)).toBeLessThanOrEqual(0);

      const [assistant] = (await app.client('admin').assistants.list.query()).items;
      await page.goto(`${app.url}/assistants/${assistant!.id}/edit`);
      await page.locator('.prompt-editor .cm-content').first().waitFor();
      expect(await audit(page)).toEqual([]);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      if (width === 390) await screenshot(page, 'a11y-assistant-edit-390');

      await page.goto(`${app.url}/assistants/new`);
      await page.locator('.prompt-editor .cm-content').first().click();
      await page.keyboard.type('About {{nobody}}');
      await page.locator('.template-problems').waitFor();
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.locator('#f-name-error').waitFor();
      expect(await audit(page)).toEqual([]);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await screenshot(page, `a11y-assistant-new-errors-${width}`);
    });

    for (const [name, path, ready] of [
      ['versions list', () => `/assistants/${assistantId}/versions`, '.version-table'],
      ['version page', () => `/assistants/${assistantId}/versions/1`, '.prompt-definitions'],
      ['version comparison', () => `/assistants/${assistantId}/versions/compare?from=1&to=2`, '.prompt-changes'],
    ] as const) {
      it(`finds no serious problem on the ${name} at ${width} px, and nothing scrolls sideways`, async () => {
        const page = await browser.newPage({ baseUrl: app.url, user: 'demo', width });
        await page.goto(`${app.url}${path()}`);
        await page.locator(ready).first().waitFor();
        expect(await audit(page)).toEqual([]);
        expect(await overflow(page)).toBeLessThanOrEqual(0);
        if (width === 390) await screenshot(page, `a11y-${name.replaceAll(' ', '-')}-390`);
      });
    }

    it(`finds no serious problem on the sign-in page with a refusal shown at ${width} px`, async () => {
      const page = await browser.newPage({ baseUrl: app.url, width });
      await page.goto(`${app.url}/executions`);
      await signInThroughPage(page, TEST_PEOPLE.demo.email, 'not the password at all');
      await page.getByRole('alert').waitFor();
      expect(await audit(page)).toEqual([]);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
    });
  }

  it('finds no serious problem on the set-up page of a first run, at either width', async () => {
    const fresh = await startTestApp({ seedPeople: false, webDist });
    try {
      for (const width of [1280, 390]) {
        const page = await browser.newPage({ baseUrl: fresh.url, width });
        await page.goto(`${fresh.url}/`);
        await page.getByRole('button', { name: 'Create admin and sign in' }).click();
        await page.locator('#setup-name-error').waitFor();
        expect(await audit(page)).toEqual([]);
        expect(await overflow(page)).toBeLessThanOrEqual(0);
        if (width === 390) await screenshot(page, 'a11y-setup-390');
      }
    } finally {
      await fresh.stop();
    }
  });

  it('finds no serious problem with a new token shown or the account menu open, on a phone', async () => {
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo', width: 390, height: 844 });
    await page.goto(`${app.url}/tokens`);
    await createTokenInPage(page, 'axe', ['executions:read'], '7');
    expect(await audit(page)).toEqual([]);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'a11y-new-token-390');
    await openAccountMenu(page);
    expect(await audit(page)).toEqual([]);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'a11y-account-menu-390');
  });

  it('reaches the upload button, the search box and the document actions of a repository with the keyboard, in order', async () => {
    const guide = (await app.client('admin').knowledge.repositories.list.query()).items.find((repository) => repository.ownerId === null);
    const page = await browser.newPage({ baseUrl: app.url, user: 'admin' });
    await page.goto(`${app.url}/knowledge/${guide!.id}`);
    await page.locator('.documents-table').waitFor();
    const reached: string[] = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      reached.push(
        await page.evaluate(() => {
          const element = document.activeElement as HTMLElement | null;
          return element ? `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}:${(element.textContent ?? '').trim().slice(0, 20)}` : '';
        }),
      );
    }
    const choose = reached.indexOf('button:Choose files');
    const firstDelete = reached.findIndex((entry) => entry.startsWith('button:Delete'));
    const query = reached.indexOf('input#knowledge-query:');
    expect(choose).toBeGreaterThan(0);
    expect(firstDelete).toBeGreaterThan(choose);
    expect(query).toBeGreaterThan(firstDelete);
    expect(reached[query + 1]).toBe('button:Search');
    // Search from the keyboard alone.
    await page.locator('#knowledge-query').focus();
    await page.keyboard.type('volcano gas');
    await page.keyboard.press('Enter');
    await page.locator('.search-hybrid .search-result').first().waitFor();
  });

  it('opens the account menu from the keyboard, and Escape closes it where it was', async () => {
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    await page.goto(`${app.url}/assistant-architect`);
    await page.locator('form').waitFor();
    const summary = page.locator('.account-menu summary');
    await summary.focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Account');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Sign out');
    await page.keyboard.press('Escape');
    expect(await page.locator('.account-links').isVisible()).toBe(false);
    await expect(page.evaluate(() => document.activeElement?.tagName)).resolves.toBe('SUMMARY');
  });
});
