import { startTestApp, textPdf, type TestApp } from '@aae/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, webDist, type TestBrowser } from './browser.ts';

let app: TestApp;
let browser: TestBrowser;

/** An embedding model whose calls wait while the test holds them: an import seen while it runs. */
let held: Promise<void> = Promise.resolve();
let releaseHeld: () => void = () => {};
const hold = () => {
  held = new Promise<void>((resolve) => {
    releaseHeld = resolve;
  });
};
const heldEmbeddings = {
  id: 'held-embed',
  async embed(texts: readonly string[]) {
    await held;
    return texts.map((_, index) => [1, index % 2, 0.5]);
  },
};

beforeAll(async () => {
  // One import at a time per person: the page queues the others behind it; a refusal asks for 2 s.
  app = await startTestApp({
    webDist,
    services: {
      embeddings: [heldEmbeddings],
      usageLimits: {
        executionsPerMinute: 0,
        runningPerPerson: 0,
        runningInAll: 0,
        streamsPerPerson: 0,
        importsPerPerson: 1,
        importsInAll: 0,
        importRetryAfterSeconds: 2,
      },
    },
  });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const tides = [
  '# Spring tides',
  '',
  ...Array.from(
    { length: 40 },
    (_, index) => `Spring tides follow the new and full moon, when the moon and sun pull the ocean together (observation ${index}).`,
  ),
].join('\n');
const herons = ['<img src=x onerror="window.__injected = true"> was written in the margin.']
  .concat(Array.from({ length: 30 }, (_, index) => `Grey herons wade in shallow marshes and stab at fish with their beaks (sighting ${index}).`))
  .join(' ');

describe('the knowledge pages', () => {
  it('creates a repository, imports files with progress to 100%, reports the bad one with nothing stored, and previews searches', async () => {
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    // Imports are sent alone, never packed into one batch (which could pass the server's body limit).
    const importRequests: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (request.method() === 'POST' && url.pathname.includes('knowledge.documents.import')) importRequests.push(url.pathname + url.search);
    });
    await page.goto(`${app.url}/assistant-architect`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Knowledge' }).click();
    await page.getByRole('heading', { name: 'Knowledge', level: 1 }).waitFor();

    // A name is asked for before anything is sent.
    await page.getByRole('button', { name: 'Create repository' }).click();
    await page.locator('#repository-name-error').getByText('Enter a name.').waitFor();
    await page.getByLabel('Name').fill('Shore notes');
    await page.getByLabel('Embedding model').selectOption('local-hash-384');
    await page.getByRole('button', { name: 'Create repository' }).click();
    await page.getByRole('heading', { name: 'Shore notes', level: 1 }).waitFor();
    const repositoryId = Number(new URL(page.url()).pathname.split('/').at(-1));
    expect(repositoryId).toBeGreaterThan(0);
    await page.getByText('No document yet: add some above.').waitFor();

    // Two good files and one the server refuses (text with NUL characters), picked together.
    await page.locator('#document-files').setInputFiles([
      { name: 'spring-tides.md', mimeType: 'text/markdown', buffer: Buffer.from(tides) },
      { name: 'herons.txt', mimeType: 'text/plain', buffer: Buffer.from(herons) },
      { name: 'binary.txt', mimeType: 'text/plain', buffer: Buffer.from([0x41, 0x00, 0x42, 0x00, 0x43]) },
    ]);
    const row = (name: string) => page.locator(`.upload[data-file="${name}"]`);
    for (const name of ['spring-tides.md', 'herons.txt']) {
      await row(name)
        .getByRole('progressbar', { name: `Import of ${name}` })
        .and(page.locator('[aria-valuenow="100"]'))
        .waitFor({ timeout: 60_000 });
      await row(name).getByText('Done', { exact: true }).waitFor();
      await expect(row(name).locator('.upload-message').textContent()).resolves.toMatch(/^(\d+) of \1 chunks embedded · 100%$/);
    }
    await row('binary.txt').getByText('Failed', { exact: true }).waitFor();
    // The server's message, without the API's place of the document in its call.
    const refusal = await row('binary.txt').locator('.upload-message').textContent();
    expect(refusal).toContain('must not contain a NUL character');
    expect(refusal).not.toMatch(/documents\.\d/);
    expect(importRequests.length).toBeGreaterThanOrEqual(3);
    expect(new Set(importRequests)).toEqual(new Set(['/trpc/knowledge.documents.import']));

    // Dropped: a PDF (its text extracted by the server) and a file of a kind not taken, refused here with the reason.
    const pdf = [...textPdf([['The lighthouse keeper logs every fog signal.'], ['Foghorns sound twice a minute.']])];
    const dropped = await page.evaluateHandle((bytes) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(bytes)], 'lighthouse.pdf', { type: 'application/pdf' }));
      transfer.items.add(new File(['PK'], 'notes.docx', { type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' }));
      return transfer;
    }, pdf);
    await page.locator('.dropzone').dispatchEvent('drop', { dataTransfer: dropped });
    await row('notes.docx').getByText('Refused', { exact: true }).waitFor();
    await row('notes.docx').getByText('Not a kind of file this repository takes (.txt, .text, .md, .markdown or .pdf)').waitFor();
    await row('lighthouse.pdf').getByText('Done', { exact: true }).waitFor({ timeout: 60_000 });
    await page.getByRole('status').filter({ hasText: '3 of 5 files added, 2 not added' }).waitFor();
    await screenshot(page, 'knowledge-uploads');

    // Through the API: the good documents are stored, nothing of the bad one.
    const client = app.client('demo');
    const stored = (await client.knowledge.documents.list.query({ repositoryId })).items;
    expect(stored.map((document) => document.title).sort()).toEqual(['herons', 'lighthouse', 'spring-tides']);
    expect(stored.filter((document) => document.title !== 'lighthouse').every((document) => document.chunkCount > 1)).toBe(true);
    const imports = await client.knowledge.documents.listImports.query({ repositoryId });
    expect(imports.map((item) => item.status)).toEqual(['completed', 'completed', 'completed']);

    const documents = page.locator('.documents-table tbody tr');
    await expect.poll(() => documents.count()).toBe(3);
    await documents.filter({ hasText: 'spring-tides' }).getByText('Markdown').waitFor();

    // The search preview: the expected document first in every column, with scores.
    await page.getByRole('searchbox', { name: 'Query' }).fill('spring tides of the full moon');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    for (const column of ['keyword', 'vector', 'hybrid']) {
      const first = page.locator(`.search-${column} .search-result`).first();
      await first.waitFor();
      await expect(first.locator('.search-result-title').textContent()).resolves.toBe('spring-tides');
      await expect(first.locator('.search-score').textContent()).resolves.toMatch(/^score (0|1)\.\d{3}$/);
    }
    // The PDF's text is searchable.
    await page.getByRole('searchbox', { name: 'Query' }).fill('foghorns');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator('.search-keyword .search-result-title').filter({ hasText: 'lighthouse' }).first().waitFor();
    // Stored text is shown as text, never run.
    await page.getByRole('searchbox', { name: 'Query' }).fill('written in the margin');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator('.search-keyword .search-snippet').filter({ hasText: '<img src=x onerror="window.__injected = true">' }).first().waitFor();
    expect(await page.evaluate(() => (window as { __injected?: boolean }).__injected)).toBeUndefined();
    await screenshot(page, 'knowledge-search-preview');

    // At a phone's width the columns stack and nothing scrolls sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await screenshot(page, 'knowledge-repository-390');
    await page.setViewportSize({ width: 1280, height: 900 });

    // Deleting a document, after asking.
    await documents.filter({ hasText: 'herons' }).getByRole('button', { name: 'Delete herons' }).click();
    await page.getByRole('button', { name: 'Delete document' }).click();
    await expect.poll(() => documents.count()).toBe(2);
    expect((await client.knowledge.documents.list.query({ repositoryId })).items.map((document) => document.title).sort()).toEqual([
      'lighthouse',
      'spring-tides',
    ]);

    // Deleting the repository from the list, after asking.
    await page.getByRole('link', { name: 'Knowledge', exact: true }).first().click();
    const listed = page.locator(`.repositories-table tr[data-repository="${repositoryId}"]`);
    await listed.getByRole('button', { name: 'Delete Shore notes' }).click();
    await page.getByRole('button', { name: 'Delete repository' }).click();
    await listed.waitFor({ state: 'detached' });
    await expect(client.knowledge.repositories.get.query({ repositoryId })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
  });

  it('brings back an import still running when the page is opened again, or left and come back to, and follows it to the end', async () => {
    const client = app.client('demo');
    const { id: repositoryId } = await client.knowledge.repositories.create.mutate({ name: 'Held notes', embeddingModel: 'held-embed' });
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    await page.goto(`${app.url}/knowledge/${repositoryId}`);
    await page.getByText('No document yet: add some above.').waitFor();
    hold();
    const started = await client.knowledge.documents.import.mutate({
      repositoryId,
      documents: [{ title: 'Night watch', mediaType: 'text/plain', content: 'Owls hunt by ear in the dark.' }],
    });
    // Left for the list of repositories and back within the app, the earlier answer still cached: asked again.
    await page.getByRole('link', { name: 'Knowledge', exact: true }).first().click();
    await page.locator(`.repositories-table tr[data-repository="${repositoryId}"]`).getByRole('link', { name: 'Held notes' }).click();
    const row = page.locator('.upload[data-file="Night watch"]');
    await row.getByText('Importing', { exact: true }).waitFor();
    expect(await row.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('0');
    // Opened again from scratch: there again, once.
    await page.reload();
    await row.getByText('Importing', { exact: true }).waitFor();
    expect(await row.count()).toBe(1);
    expect((await client.knowledge.documents.getImport.query({ importId: started.id })).status).toBe('running');
    releaseHeld();
    await row.getByText('Done', { exact: true }).waitFor();
    await page.locator('.documents-table tbody tr').filter({ hasText: 'Night watch' }).waitFor();
  });

  it('waits as long as the server asks when it refuses an import for too many running, then imports the file', async () => {
    const client = app.client('demo');
    const { id: repositoryId } = await client.knowledge.repositories.create.mutate({ name: 'Busy notes', embeddingModel: 'held-embed' });
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    // The page has looked for running imports (none) before one starts elsewhere: every request for
    // them has ended, read in full (a batch's headers come before its results) or given up by the
    // page when it asked again.
    const listing = { sent: 0, ended: 0 };
    const isListing = (request: { url(): string }) => request.url().includes('knowledge.documents.listImports');
    page.on('request', (request) => isListing(request) && listing.sent++);
    page.on('requestfinished', (request) => isListing(request) && listing.ended++);
    page.on('requestfailed', (request) => isListing(request) && listing.ended++);
    await page.goto(`${app.url}/knowledge/${repositoryId}`);
    await page.getByText('No document yet: add some above.').waitFor();
    await expect.poll(() => listing.sent > 0 && listing.ended === listing.sent, { timeout: 60_000 }).toBe(true);
    // Started elsewhere (another tab, the API) once the page is open: the person's one place is taken.
    hold();
    const elsewhere = await client.knowledge.documents.import.mutate({
      repositoryId,
      documents: [{ title: 'Elsewhere', mediaType: 'text/plain', content: 'Started from another tab.' }],
    });
    await page.locator('#document-files').setInputFiles([
      { name: 'later.txt', mimeType: 'text/plain', buffer: Buffer.from('Imported once the server had room.') },
      { name: 'never.txt', mimeType: 'text/plain', buffer: Buffer.from('Cancelled while it waited.') },
    ]);
    const row = page.locator('.upload[data-file="later.txt"]');
    await row.getByText('Waiting', { exact: true }).waitFor();
    await row.getByText('The server is busy with other imports; trying again within 2 s').waitFor();
    // A file waiting its turn is cancelled before it is sent.
    const never = page.locator('.upload[data-file="never.txt"]');
    await never.getByRole('button', { name: 'Cancel never.txt' }).click();
    await never.getByText('Cancelled', { exact: true }).waitFor();
    await never.getByText('Cancelled before it was sent; nothing of it was stored.').waitFor();
    // Leaving for another page of the app while a file waits asks first; staying keeps it queued.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Knowledge' }).click();
    const question = page.getByRole('alertdialog', { name: /Leave this page\? Files still waiting to be sent will not be added/ });
    await question.waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Stay until they are sent');
    await page.keyboard.press('Enter');
    await question.waitFor({ state: 'detached' });
    expect(new URL(page.url()).pathname).toBe(`/knowledge/${repositoryId}`);
    await row.getByText('Waiting', { exact: true }).waitFor();
    releaseHeld();
    await expect.poll(async () => (await client.knowledge.documents.getImport.query({ importId: elsewhere.id })).status).toBe('completed');
    // Sent again once the server's 2 s have passed.
    await row.getByText('Done', { exact: true }).waitFor({ timeout: 60_000 });
    expect((await client.knowledge.documents.list.query({ repositoryId })).items.map((document) => document.title).sort()).toEqual(['Elsewhere', 'later']);
  });

  it('shows a repository that does not exist as not found, and a shared one read-only to a member', async () => {
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    await page.goto(`${app.url}/knowledge/987654`);
    await page.getByRole('alert').filter({ hasText: 'Could not open the repository' }).waitFor();
    const guide = (await app.client('demo').knowledge.repositories.list.query()).items.find((repository) => repository.ownerId === null);
    expect(guide).toBeDefined();
    await page.goto(`${app.url}/knowledge/${guide!.id}`);
    await page.getByRole('heading', { name: guide!.name, level: 1 }).waitFor();
    await page.getByText('Only its owner or an admin can add or delete documents here.').waitFor();
    expect(await page.getByRole('button', { name: 'Choose files' }).count()).toBe(0);
    await expect.poll(() => page.locator('.documents-table tbody tr').count()).toBe(guide!.documentCount);
    expect(await page.getByRole('button', { name: /^Delete/ }).count()).toBe(0);
  });

  it('shows the empty state to someone who can see no repository', async () => {
    const admin = app.client('admin');
    for (const repository of (await admin.knowledge.repositories.list.query()).items.filter((item) => item.visibility === 'shared')) {
      await admin.knowledge.repositories.delete.mutate({ repositoryId: repository.id });
    }
    const page = await browser.newPage({ baseUrl: app.url, user: 'other' });
    await page.goto(`${app.url}/knowledge`);
    await page.getByText('No repository yet: create one below, then add documents to it.').waitFor();
    expect(await page.locator('.repositories-table').count()).toBe(0);
  });
});
