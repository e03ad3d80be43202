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
    await expect.poll(() => browser.takePolicyViolations().join('\n'), { timeout: 10_000 }).toContain('Content Security Policy');
    await page.context().close();
  });
});
