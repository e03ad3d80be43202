import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from '@aae/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, webDist, type TestBrowser } from './browser.ts';

let browser: TestBrowser;
let app: TestApp;

beforeAll(async () => {
  browser = await launchBrowser();
  app = await startTestApp({ webDist });
});
afterAll(async () => {
  await app?.stop();
  await browser?.close();
});

describe('security headers', () => {
  it('serves every answer with a policy that keeps out other scripts, frames and sniffing', async () => {
    for (const path of ['/', '/executions', '/trpc/setup.status', '/healthz', '/api/executions.json']) {
      const answer = await fetch(`${app.url}${path}`);
      const policy = answer.headers.get('content-security-policy') ?? '';
      expect(policy, path).toContain("script-src 'self'");
      expect(policy, path).toContain("frame-ancestors 'none'");
      expect(policy, path).not.toContain('upgrade-insecure-requests');
      expect(answer.headers.get('x-frame-options'), path).toBe('DENY');
      expect(answer.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(answer.headers.get('referrer-policy'), path).toBe('no-referrer');
    }
  });

  it('blocks a script injected into a page, and reports it (the same check every browser test makes of the app)', async () => {
    const page = await browser.newPage({ user: 'demo', baseUrl: app.url });
    await page.goto(`${app.url}/assistant-architect`);
    await page.getByRole('heading', { name: 'Research Brief Writer' }).waitFor();
    const ran = await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__injected = true';
      document.body.append(script);
      return (window as unknown as { __injected?: boolean }).__injected === true;
    });
    expect(ran).toBe(false);
    await expect.poll(() => browser.takePolicyViolations().join('\n'), { timeout: 30_000 }).toContain('Content Security Policy');
    await page.context().close();
  });
});

describe('requests from another site', () => {
  let evil: Server;
  let evilUrl: string;
  afterAll(() => new Promise<void>((resolve) => (evil ? evil.close(() => resolve()) : resolve())));

  it('change nothing: a link, an image, a form POST and a fetch from a page elsewhere, with a signed-in browser', async () => {
    const [assistant] = (await app.client('demo').assistants.list.query()).items;
    const input = encodeURIComponent(JSON.stringify({ json: { assistantId: assistant!.id, input: { topic: 'planted' } } }));
    const tokenInput = encodeURIComponent(JSON.stringify({ json: { name: 'planted', scopes: ['executions:read'] } }));
    const html = `<!doctype html><html><body>
      <img src="${app.url}/trpc/executions.execute?input=${input}">
      <img src="${app.url}/trpc/tokens.create?input=${tokenInput}">
      <form id="form" method="POST" action="${app.url}/trpc/executions.execute" enctype="text/plain">
        <input name='{"json":{"assistantId":${assistant!.id},"input":{"topic":"planted"},"x":"' value='"}}'>
      </form>
      <script>
        fetch('${app.url}/trpc/tokens.create', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ json: { name: 'planted', scopes: ['executions:read'] } }) })
          .catch(() => {})
          .finally(() => document.getElementById('form').submit());
      </script>
    </body></html>`;
    evil = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(html);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', () => resolve()));
    // Another site: "localhost" is not "127.0.0.1", where the app is.
    evilUrl = `http://localhost:${(evil.address() as AddressInfo).port}/`;

    const { prisma } = app.services.database;
    const before = { executions: await prisma.execution.count(), tokens: await prisma.apiKey.count() };
    const page = await browser.newPage({ user: 'demo', baseUrl: app.url });
    const sent: string[] = [];
    const answers: Array<{ url: string; status: number }> = [];
    page.on('request', (request) => {
      if (request.url().startsWith(app.url)) sent.push(`${request.method()} ${request.url().split('?')[0]}`);
    });
    page.on('response', (response) => {
      if (response.url().startsWith(app.url)) answers.push({ url: response.url(), status: response.status() });
    });
    // The page sends its images and fetch, then submits the form, which leaves it for the app's answer.
    const formAnswer = page.waitForResponse((response) => response.request().method() === 'POST' && response.url() === `${app.url}/trpc/executions.execute`);
    await page.goto(evilUrl);
    expect((await formAnswer).status()).toBeGreaterThanOrEqual(400);
    await page.waitForURL(`${app.url}/trpc/executions.execute`);
    expect(sent).toEqual(
      expect.arrayContaining([
        `GET ${app.url}/trpc/executions.execute`,
        `GET ${app.url}/trpc/tokens.create`,
        `POST ${app.url}/trpc/tokens.create`,
        `POST ${app.url}/trpc/executions.execute`,
      ]),
    );
    // A link followed from there: a top-level GET that does carry the cookie.
    const followed = await page.goto(`${app.url}/trpc/executions.execute?input=${input}`);
    expect(followed?.status()).toBe(405);
    for (const answer of answers) expect(answer.status, answer.url).toBeGreaterThanOrEqual(400);
    expect({ executions: await prisma.execution.count(), tokens: await prisma.apiKey.count() }).toEqual(before);
    await page.context().close();
  });
});
