import { startTestApp, type TestApp } from '@aae/server/testing';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, webDist, type TestBrowser } from './browser.ts';

let app: TestApp;
let browser: TestBrowser;

beforeAll(async () => {
  app = await startTestApp({ chunkDelayMs: 20, webDist });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

/** The editable content of a prompt card (CodeMirror, inside the card's shadow root). */
const contentOf = (card: Locator) => card.getByRole('textbox', { name: /^Content of / });

async function typeContent(page: Page, card: Locator, text: string) {
  await contentOf(card).click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text);
}

/** Moves a prompt one place with the drag library's keyboard controls, waiting for each step to be announced. */
async function dragByKeyboard(page: Page, name: string, other: string, arrow: 'ArrowUp' | 'ArrowDown') {
  const handle = page.getByRole('button', { name: `Drag to reorder ${name}` });
  const announced = () => page.locator('[id^="DndLiveRegion"]').textContent();
  await handle.focus();
  await page.keyboard.press('Space');
  await expect.poll(() => handle.getAttribute('aria-pressed')).toBe('true');
  // Over its own place once the places are measured: only then does an arrow move it.
  await expect.poll(announced).toBe(`${name} is over ${name}.`);
  await page.keyboard.press(arrow);
  await expect.poll(announced).toBe(`${name} is over ${other}.`);
  await page.keyboard.press('Space');
  await expect.poll(announced).toBe(`${name} was dropped at the place of ${other}.`);
}

describe('the assistant editor', () => {
  it('builds a three-prompt assistant with an input and an output reference, fixes an unknown name, saves, runs and watches it finish', async () => {
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    await page.goto(`${app.url}/`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Assistants' }).click();
    await page.getByRole('link', { name: 'New assistant' }).click();
    await page.getByRole('heading', { name: 'New assistant' }).waitFor();

    await page.getByRole('region', { name: 'Details' }).getByLabel('Name').fill('Trip planner');
    await page.getByLabel('Description').fill('Plans a day in a city.');
    await page.getByRole('button', { name: 'Add variable' }).click();
    const variable = page.locator('.variable-row').first();
    await variable.getByLabel('Name', { exact: true }).fill('city');
    await variable.getByLabel('Label').fill('City');

    const cards = page.locator('.prompt-editor');
    const facts = cards.nth(0);
    await facts.getByLabel('Name', { exact: true }).fill('Facts');
    // Completion after `{{` offers the declared input.
    await contentOf(facts).click();
    await page.keyboard.type('List three facts about {{ci');
    const option = page.locator('.cm-tooltip-autocomplete').getByText('{{city}}');
    // A choice made within a moment of the list opening is ignored (so a quick Enter stays a new line): click until taken.
    await expect
      .poll(async () => {
        if (await option.isVisible()) await option.click({ timeout: 1_000 }).catch(() => undefined);
        return contentOf(facts).textContent();
      })
      .toBe('List three facts about {{city}}');

    await page.getByRole('button', { name: 'Add prompt' }).click();
    const sights = cards.nth(1);
    await sights.getByLabel('Name', { exact: true }).fill('Sights');
    await sights.getByLabel('Run in parallel with the prompt before').check();
    await typeContent(page, sights, 'Name two sights in {{city}}');
    await sights.locator('.parallel-badge', { hasText: 'in parallel with Facts' }).waitFor();

    await page.getByRole('button', { name: 'Add prompt' }).click();
    const summary = cards.nth(2);
    await summary.getByLabel('Name', { exact: true }).fill('Summary');
    // Only earlier steps' outputs are offered: Facts and Sights, not Summary itself.
    await contentOf(summary).click();
    await page.keyboard.type('Plan a day from {{out');
    const offered = page.locator('.cm-tooltip-autocomplete li');
    await offered.first().waitFor();
    expect(await offered.allTextContents()).toEqual(['{{output:Facts}}output of an earlier prompt', '{{output:Sights}}output of an earlier prompt']);
    await page.keyboard.press('Escape');
    await page.keyboard.type('put:Factz}} and {{output:Sights}}');
    // The unknown name is marked where it is written and explained under the editor.
    await summary.locator('.template-problems', { hasText: 'uses {{output:Factz}}, but no prompt has that name' }).waitFor();
    await summary.locator('.cm-lintRange-error').waitFor();
    await expect(summary.locator('.cm-lintRange-error').textContent()).resolves.toBe('{{output:Factz}}');
    // A screen reader hears it with the content.
    await expect(contentOf(summary).getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(contentOf(summary).getAttribute('aria-description')).resolves.toBe('This prompt uses {{output:Factz}}, but no prompt has that name.');
    await screenshot(page, 'editor-unknown-name');

    // The server refuses it too, and its answer lands on the same field.
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.getAttribute('aria-label') ?? null))
      .toBe('Content of Summary');
    expect(page.url()).toMatch(/\/assistants\/new$/);

    await typeContent(page, summary, 'Plan a day from {{output:Facts}} and {{output:Sights}}');
    await summary.locator('.template-problems').waitFor({ state: 'detached' });
    await page.getByLabel('City').last().fill('Lisbon');
    await page.getByRole('button', { name: 'Save and run' }).click();

    await page.waitForURL(/\/executions\/\d+$/);
    await page.waitForSelector('.execution-complete', { timeout: 60_000 });
    await expect(page.locator('.prompt-card[data-status="complete"]').count()).resolves.toBe(3);
    await screenshot(page, 'editor-run-complete');

    const executionId = Number(new URL(page.url()).pathname.split('/').pop());
    const execution = await app.client('demo').executions.get.query({ executionId });
    const assistant = await app.client('demo').assistants.get.query({ id: execution.assistantId });
    expect(assistant.name).toBe('Trip planner');
    expect(assistant.inputVariables).toEqual([{ name: 'city', label: 'City', type: 'text', required: true }]);
    expect(assistant.prompts.map((prompt) => [prompt.name, prompt.position])).toEqual([
      ['Facts', 1],
      ['Sights', 1],
      ['Summary', 2],
    ]);
  });

  it('reorders by dragging and from the keyboard, explains a refused limit beside its field, keeps the person’s edits through a conflict, then saves over it', async () => {
    const client = app.client('demo');
    const created = await client.assistants.create.mutate({
      name: 'Ordering',
      prompts: [
        { name: 'Alpha', position: 1, content: 'First' },
        { name: 'Beta', position: 2, content: 'Second' },
      ],
    });
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    await page.goto(`${app.url}/assistants/${created.id}/edit`);
    await page.getByRole('heading', { name: 'Edit “Ordering”' }).waitFor();
    // Move buttons are plain buttons: reachable and pressed from the keyboard.
    await page.getByRole('button', { name: 'Move up Beta' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('.prompt-editor h3').allTextContents()).resolves.toEqual(['Step 1: Beta', 'Step 2: Alpha']);
    // Dragged back by its handle with the mouse, then moved again from the keyboard.
    const handle = page.getByRole('button', { name: 'Drag to reorder Beta' });
    const target = page.locator('.prompt-editor').nth(1);
    const from = (await handle.boundingBox())!;
    const to = (await target.boundingBox())!;
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(from.x + from.width / 2, to.y + to.height - 10, { steps: 12 });
    await page.mouse.up();
    await expect.poll(() => page.locator('.prompt-editor h3').allTextContents()).toEqual(['Step 1: Alpha', 'Step 2: Beta']);
    // Just after a drop the drag library swallows clicks for a moment; pressing again is harmless, as
    // the button is disabled once Alpha is last.
    const moveDown = page.getByRole('button', { name: 'Move down Alpha' });
    await expect
      .poll(async () => {
        if (await moveDown.isEnabled()) await moveDown.press('Enter');
        return page.locator('.prompt-editor h3').allTextContents();
      })
      .toEqual(['Step 1: Beta', 'Step 2: Alpha']);
    // Dragged from the keyboard by its handle: space picks it up, an arrow moves it, space drops it.
    await dragByKeyboard(page, 'Alpha', 'Beta', 'ArrowUp');
    await expect.poll(() => page.locator('.prompt-editor h3').allTextContents()).toEqual(['Step 1: Alpha', 'Step 2: Beta']);
    await dragByKeyboard(page, 'Alpha', 'Beta', 'ArrowDown');
    await expect.poll(() => page.locator('.prompt-editor h3').allTextContents()).toEqual(['Step 1: Beta', 'Step 2: Alpha']);

    // A limit the server refuses is explained beside its field, in the field's own unit.
    const timeout = page.locator('.prompt-editor').nth(0).getByLabel('Timeout (seconds)');
    await timeout.fill('0.5');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-describedby') ?? '')).toMatch(/timeoutMs-error/);
    await page.locator('.prompt-editor').nth(0).getByText('timeout must be at least 1 second (1000 ms)').waitFor();
    await timeout.fill('');
    await page.getByRole('region', { name: 'Details' }).getByLabel('Description').fill('Beta goes first');

    // Someone saves the assistant meanwhile (a rename is a new version).
    await client.assistants.update.mutate({ id: created.id, name: 'Ordering (theirs)' });
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const conflict = page.locator('.conflict');
    await conflict.getByText('Someone else saved this assistant while you were editing it.').waitFor();
    await expect(conflict.textContent()).resolves.toContain('is at version 2, not version 1');
    await expect(page.locator('.prompt-editor h3').allTextContents()).resolves.toEqual(['Step 1: Beta', 'Step 2: Alpha']);
    await expect(page.getByRole('region', { name: 'Details' }).getByLabel('Description').inputValue()).resolves.toBe('Beta goes first');
    await screenshot(page, 'editor-conflict');

    await conflict.getByRole('button', { name: 'Save mine over theirs' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    const saved = await client.assistants.get.query({ id: created.id });
    expect(saved.version).toBe(3);
    expect(saved.name).toBe('Ordering');
    expect(saved.description).toBe('Beta goes first');
    expect(saved.prompts.map((prompt) => [prompt.name, prompt.position])).toEqual([
      ['Beta', 1],
      ['Alpha', 2],
    ]);

    // Leaving with unsaved changes asks first.
    await page.getByRole('region', { name: 'Details' }).getByLabel('Name').fill('Ordering again');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Executions' }).click();
    await page.getByRole('alertdialog', { name: /Leave without saving\?/ }).waitFor();
    await page.getByRole('button', { name: 'Stay and keep editing' }).click();
    expect(page.url()).toMatch(/\/edit$/);
    await expect(page.getByRole('region', { name: 'Details' }).getByLabel('Name').inputValue()).resolves.toBe('Ordering again');
    // Asked again, leaving discards the change.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Executions' }).click();
    await page.getByRole('button', { name: 'Leave and discard' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/executions');
    expect((await client.assistants.get.query({ id: created.id })).name).toBe('Ordering');
  });

  it('lists a chosen repository that is gone as not available, ticked, and saves without it once unticked', async () => {
    const client = app.client('demo');
    const { id: repositoryId } = await client.knowledge.repositories.create.mutate({ name: 'Soon gone' });
    const created = await client.assistants.create.mutate({
      name: 'Orphaned',
      prompts: [{ name: 'Only', position: 1, content: 'Hi', repositoryIds: [repositoryId] }],
    });
    await client.knowledge.repositories.delete.mutate({ repositoryId });
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    await page.goto(`${app.url}/assistants/${created.id}/edit`);
    const gone = page.getByRole('checkbox', { name: `Repository ${repositoryId} (not available)` });
    await gone.waitFor();
    await expect(gone.isChecked()).resolves.toBe(true);
    // Unticked, it is no longer chosen, and not offered either.
    await gone.focus();
    await page.keyboard.press('Space');
    await gone.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    const saved = await client.assistants.get.query({ id: created.id });
    expect(saved.prompts.map((prompt) => prompt.repositoryIds)).toEqual([[]]);
  });

  it('duplicates an assistant the viewer may only read into their own copy', async () => {
    const shared = await app
      .client('other')
      .assistants.create.mutate({ name: 'Shared recipe', visibility: 'shared', prompts: [{ name: 'Only', position: 1, content: 'Hello' }] });
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    await page.goto(`${app.url}/assistants`);
    await page.getByRole('button', { name: 'Duplicate Shared recipe' }).click();
    await page.getByRole('heading', { name: 'Edit “Shared recipe (copy)”' }).waitFor();
    const copyId = Number(new URL(page.url()).pathname.split('/')[2]);
    expect(copyId).not.toBe(shared.id);
    const copy = await app.client('demo').assistants.get.query({ id: copyId });
    expect(copy).toMatchObject({ ownerId: app.people.demo.id, visibility: 'private', version: 1 });
  });

  it('does not let a member edit or delete another member’s assistant, in the page or through the API', async () => {
    const theirs = await app.client('other').assistants.create.mutate({
      name: 'Other’s <img src=x onerror="window.__pwned = true"> notes',
      description: '<script>window.__pwned = true</script>',
      visibility: 'shared',
      prompts: [{ name: 'Only', position: 1, content: 'Hello' }],
    });
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    await page.goto(`${app.url}/assistants`);
    const row = page.locator(`tr[data-assistant-id="${theirs.id}"]`);
    await row.waitFor();
    await expect(row.getByRole('link', { name: /^Run / }).count()).resolves.toBe(1);
    await expect(row.getByRole('button', { name: /^Duplicate / }).count()).resolves.toBe(1);
    await expect(row.getByRole('link', { name: /^Edit / }).count()).resolves.toBe(0);
    await expect(row.getByRole('button', { name: /^Delete / }).count()).resolves.toBe(0);
    // Stored text is shown as text, never as markup.
    await expect(row.locator('td').first().textContent()).resolves.toBe(theirs.name);
    await expect(row.locator('img, script').count()).resolves.toBe(0);
    await expect(page.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned)).resolves.toBeUndefined();

    await page.goto(`${app.url}/assistants/${theirs.id}/edit`);
    await page.getByRole('heading', { name: 'Not yours to change' }).waitFor();
    await screenshot(page, 'editor-not-yours');

    await expect(app.client('demo').assistants.delete.mutate({ id: theirs.id })).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    await expect(app.client('demo').assistants.update.mutate({ id: theirs.id, name: 'Mine now' })).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    await expect(
      app
        .client('demo')
        .assistants.save.mutate({ id: theirs.id, baseVersion: theirs.version, name: 'Mine now', prompts: [{ name: 'Only', position: 1, content: 'Bye' }] }),
    ).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
  });
  it('deletes with confirmation, and shows the empty list with a way to create the first assistant', async () => {
    const admin = app.client('admin');
    const everyone = (await admin.assistants.list.query({ limit: 100 })).items;
    for (const assistant of everyone.filter((item) => item.ownerId !== app.people.demo.id)) await admin.assistants.delete.mutate({ id: assistant.id });
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    await page.goto(`${app.url}/assistants/987654/edit`);
    await page.getByRole('heading', { name: 'Assistant not found' }).waitFor();
    await page.goto(`${app.url}/assistants`);
    const rows = page.locator('.assistants-table tbody tr');
    await rows.first().waitFor();
    while ((await rows.count()) > 0) {
      const name = (await rows.first().locator('td').first().textContent())!;
      const before = await rows.count();
      await rows
        .first()
        .getByRole('button', { name: `Delete ${name}` })
        .click();
      await page
        .getByRole('group', { name: `Confirm: Delete ${name}` })
        .getByRole('button', { name: 'Yes, delete' })
        .click();
      if (before === 1) break;
      await expect.poll(() => rows.count()).toBe(before - 1);
    }
    await page.getByRole('heading', { name: 'No assistants yet' }).waitFor();
    await expect(page.getByRole('link', { name: 'Create the first one' }).getAttribute('href')).resolves.toBe('/assistants/new');
    await screenshot(page, 'assistants-empty');
    expect((await app.client('demo').assistants.list.query()).items).toEqual([]);
  });
});
