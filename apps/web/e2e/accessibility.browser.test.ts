import { createRequire } from 'node:module';
import { startTestApp, type TestApp } from '@aae/server/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, webDist, type TestBrowser } from './browser.ts';
import { collectExecutionEventsForTest } from './run-helpers.ts';

const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let app: TestApp;
let browser: TestBrowser;
let executionId: number;

beforeAll(async () => {
  app = await startTestApp({ webDist });
  browser = await launchBrowser();
  const client = app.client('admin');
  const [assistant] = await client.assistants.list.query();
  ({ executionId } = await client.executions.execute.mutate({ assistantId: assistant!.id, input: { topic: 'accessible charts' } }));
  await collectExecutionEventsForTest(app, 'admin', executionId);
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

/** axe-core's WCAG 2.1 A/AA rules; what it finds serious or critical fails the page. */
async function audit(page: Page) {
  await page.addScriptTag({ path: axeSource });
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
  });
  return result.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).slice(0, 3).join(', ')}`);
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
      reached.push(await page.evaluate(() => {
        const element = document.activeElement as HTMLElement | null;
        return element ? `${element.tagName.toLowerCase()}${element.getAttribute('name') ? `[${element.getAttribute('name')}]` : ''}:${(element.textContent ?? '').trim().slice(0, 20)}` : '';
      }));
    }
    expect(reached[0]).toBe('a:Skip to content');
    expect(reached).toContain('input[topic]:');
    expect(reached).toContain('input[audience]:');
    expect(reached).toContain('button:Run assistant');
    expect(reached.indexOf('input[topic]:')).toBeLessThan(reached.indexOf('button:Run assistant'));
  });
});
