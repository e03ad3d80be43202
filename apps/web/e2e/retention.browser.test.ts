import { startTestApp, type TestApp } from '@aae/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, webDist, type TestBrowser } from './browser.ts';

const DAY_MS = 86_400_000;

let app: TestApp;
let browser: TestBrowser;

beforeAll(async () => {
  // Only the page's "Sweep now" deletes here: the scheduled sweeps, the first one included, wait an hour
  // (on a loaded machine the first, 5 s after start, could come between the policy and "Sweep now").
  app = await startTestApp({ webDist, services: { retention: { sweepMs: 3_600_000, firstSweepMs: 3_600_000 } } });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

/** A completed execution of the demo assistant that finished `daysAgo` days ago, with two events. */
async function finishedExecution(daysAgo: number): Promise<number> {
  const { prisma } = app.database;
  const assistantId = (await app.client('demo').assistants.list.query()).items[0]!.id;
  const finishedAt = new Date(Date.now() - daysAgo * DAY_MS);
  const execution = await prisma.execution.create({
    data: { assistantId, assistantVersion: 1, userId: app.people.demo.id, status: 'completed', createdAt: finishedAt, finishedAt },
  });
  await prisma.assistantArchitectEvent.createMany({
    data: [1, 2].map((sequence) => ({ executionId: execution.id, sequence, eventType: 'progress' as const, eventData: { sequence } })),
  });
  return execution.id;
}

describe('the retention page', () => {
  it('lets an admin set a policy after confirming, see what it would delete, sweep, and remove it, by keyboard', async () => {
    const old = await finishedExecution(100);
    const recent = await finishedExecution(1);
    const page = await browser.newPage({ baseUrl: app.url, user: 'admin' });
    await page.goto(`${app.url}/retention`);
    await page.getByText('No policy: every execution and its events are kept forever.').waitFor();

    // A refusal the page explains, before anything is sent.
    const keepDays = page.getByLabel('Keep finished executions for (days)');
    await keepDays.fill('0');
    await keepDays.press('Enter');
    await page.getByText('Keep executions at least 1 day.').waitFor();
    await expect(keepDays.getAttribute('aria-invalid')).resolves.toBe('true');

    // A new policy may delete data: it is confirmed first, with the keyboard.
    await keepDays.fill('30');
    await keepDays.press('Enter');
    const confirm = page.getByRole('group', { name: 'Confirm the policy' });
    await confirm.getByText('finished more than 30 days ago').waitFor();
    await confirm.getByRole('button', { name: 'Save and delete' }).focus();
    await page.keyboard.press('Enter');
    const row = page.locator('.retention-table tr[data-policy="installation"]');
    await row.getByText('1 execution(s), 2 event(s)').waitFor();
    await expect(row.textContent()).resolves.toContain('30 days after finishing');
    await screenshot(page, 'retention-policy-set');

    await page.getByRole('button', { name: 'Sweep now' }).click();
    await page.getByRole('status').filter({ hasText: 'Deleted 1 execution(s) and 2 event(s).' }).waitFor();
    await row.getByText('nothing').waitFor();
    expect(await app.database.prisma.execution.findMany({ where: { id: { in: [old, recent] } }, select: { id: true } })).toEqual([{ id: recent }]);

    await row.getByRole('button', { name: /Remove/ }).click();
    await page.getByRole('button', { name: 'Remove policy' }).click();
    await page.getByText('No policy: every execution and its events are kept forever.').waitFor();
    expect(await app.client('admin').retention.policies.query()).toEqual([]);
  });

  it('tells a member the page is for admins', async () => {
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    await page.goto(`${app.url}/retention`);
    await page.getByRole('heading', { name: 'Admins only' }).waitFor();
    expect(await page.getByRole('link', { name: 'Retention' }).count()).toBe(0);
  });
});
