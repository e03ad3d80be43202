import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StoredEvent } from '@aae/events';
import { startTestApp, type TestApp } from '@aae/server/testing';
import { build, type Rolldown } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, webDist, type TestBrowser } from './browser.ts';

let app: TestApp;
let browser: TestBrowser;

beforeAll(async () => {
  // Slow enough that the page attaches while the run is going.
  app = await startTestApp({ chunkDelayMs: 25, webDist });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

/** The seed's two code blocks (its EventSource snippet, its React hook), exactly as the seed gives them. */
function seedCode(): { snippet: string; hook: string } {
  const markdown = readFileSync(fileURLToPath(new URL('./seed-client/seed-client.md', import.meta.url)), 'utf8');
  const blocks = [...markdown.matchAll(/```typescript\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  const [snippet, hook] = blocks;
  if (blocks.length !== 2 || !snippet || !hook) throw new Error('seed-client.md should hold the seed’s two code blocks');
  return { snippet, hook };
}

/**
 * A page module around the seed's code: the callbacks the snippet calls (each records its call in
 * the page), the execution's id from the URL, and a component that shows the hook's status.
 */
function pageModule(): string {
  const { snippet, hook } = seedCode();
  return `import { createElement, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';

type SSEEvent = Record<string, unknown>;

const record = (...parts: unknown[]) => {
  const item = document.createElement('li');
  item.textContent = parts.join(' ');
  document.getElementById('calls')?.append(item);
};
const updatePromptStatus = (promptId: number, status: string) => record('updatePromptStatus', promptId, status);
const showProgressIndicator = (position: number, total: number) => record('showProgressIndicator', position, total);
const showKnowledgeIndicator = (found: number) => record('showKnowledgeIndicator', found);
const hideProgressIndicator = () => record('hideProgressIndicator');
const showCompletionMessage = (duration: number) => record('showCompletionMessage', duration);
const showErrorMessage = (error: string) => record('showErrorMessage', error);
const executionId = Number(new URLSearchParams(location.search).get('executionId'));

${snippet}
${hook}
function HookStatus() {
  const { events, status } = useExecutionEvents(executionId);
  return createElement('output', { id: 'hook', 'data-status': status, 'data-events': events.length }, status);
}
createRoot(document.getElementById('root')!).render(createElement(HookStatus));
`;
}

/** The page module bundled with React (production build), as one script. */
async function bundlePageModule(): Promise<string> {
  const id = '\0seed-client-page.ts';
  const result = await build({
    configFile: false,
    root: fileURLToPath(new URL('..', import.meta.url)),
    mode: 'production',
    logLevel: 'warn',
    plugins: [
      {
        name: 'seed-client-page',
        resolveId: (source) => (source === 'seed-client-page' ? id : null),
        load: (loaded) => (loaded === id ? { code: pageModule(), moduleType: 'ts' } : null),
      },
    ],
    build: { write: false, outDir: path.join(tmpdir(), 'aae-seed-client'), minify: false, rolldownOptions: { input: 'seed-client-page' } },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  const entry = outputs.flatMap((output) => output.output).find((chunk) => chunk.type === 'chunk' && chunk.isEntry);
  if (entry?.type !== 'chunk') throw new Error('the page module did not bundle');
  return entry.code;
}

/** The calls the seed's snippet makes for these events, in order. */
function expectedCalls(events: StoredEvent[]): string[] {
  return events.flatMap((event) => {
    switch (event.eventType) {
      case 'prompt-start':
        return [`updatePromptStatus ${event.eventData.promptId} running`, `showProgressIndicator ${event.eventData.position} ${event.eventData.totalPrompts}`];
      case 'knowledge-retrieved':
        return [`showKnowledgeIndicator ${event.eventData.documentsFound}`];
      case 'execution-complete':
        return ['hideProgressIndicator', `showCompletionMessage ${event.eventData.duration}`];
      case 'execution-error':
        return [`showErrorMessage ${event.eventData.error}`];
      default:
        return [];
    }
  });
}

describe('the seed’s client code against /api/assistant-architect/events/:executionId', () => {
  it('runs unmodified in Chromium: the snippet’s listeners fire for a run and the hook reaches complete', async () => {
    const script = await bundlePageModule();
    // The page is served on the app's origin, under the app's own Content-Security-Policy.
    const policy = (await fetch(`${app.url}/`)).headers.get('content-security-policy');
    expect(policy).toContain("script-src 'self'");
    const page = await browser.newPage({ baseUrl: app.url, user: 'demo' });
    await page.route(`${app.url}/seed-client/**`, (route) => {
      const isScript = new URL(route.request().url()).pathname.endsWith('.js');
      return route.fulfill({
        status: 200,
        headers: { 'content-type': isScript ? 'text/javascript' : 'text/html', 'content-security-policy': policy ?? '' },
        body: isScript
          ? script
          : '<!doctype html><html><head><title>Seed client</title></head><body><div id="root"></div><ol id="calls"></ol><script type="module" src="/seed-client/page.js"></script></body></html>',
      });
    });

    const { executionId } = await app.client('demo').executions.execute.mutate({
      assistantId: (await app.client('demo').assistants.list.query()).items.find((assistant) => assistant.name === 'Research Brief Writer')!.id,
      input: { topic: 'urban heat islands', audience: 'city planners' },
    });
    await page.goto(`${app.url}/seed-client/page.html?executionId=${executionId}`);
    await page.locator('#hook[data-status="complete"]').waitFor({ timeout: 60_000 });
    await page.locator('#calls li', { hasText: 'showCompletionMessage' }).waitFor();
    await screenshot(page, 'seed-client-complete');

    const stored = await app.services.events.getExecutionEvents(executionId);
    expect(stored.at(-1)!.eventType).toBe('execution-complete');
    // The hook collects the events it listens for: the start and the completion.
    await expect(page.locator('#hook').getAttribute('data-events')).resolves.toBe('2');
    await expect(page.locator('#calls li').allTextContents()).resolves.toEqual(expectedCalls(stored));

    // An EventSource left open after the end reconnects, is answered 204, and stops for good.
    const ended = await page.evaluate(
      (url) =>
        new Promise<{ received: number; states: number[] }>((resolve) => {
          const source = new EventSource(url);
          let received = 0;
          const states: number[] = [];
          for (const type of ['execution-start', 'prompt-start', 'prompt-complete', 'execution-complete']) source.addEventListener(type, () => received++);
          source.addEventListener('error', () => {
            states.push(source.readyState);
            if (source.readyState === EventSource.CLOSED) resolve({ received, states });
          });
        }),
      `/api/assistant-architect/events/${executionId}`,
    );
    const counted = stored.filter((event) => ['execution-start', 'prompt-start', 'prompt-complete', 'execution-complete'].includes(event.eventType));
    expect(ended).toEqual({ received: counted.length, states: [EVENT_SOURCE_CONNECTING, EVENT_SOURCE_CLOSED] });
  });
});

const EVENT_SOURCE_CONNECTING = 0;
const EVENT_SOURCE_CLOSED = 2;
