import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_PASSWORD, TEST_PEOPLE, type TestPerson } from '@aae/server/testing';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const webDist = fileURLToPath(new URL('../dist', import.meta.url));
/** Screenshots land here; CI keeps the folder as the run's artifacts. */
export const artifactsDir = fileURLToPath(new URL('../../../test-artifacts', import.meta.url));

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface TestBrowser {
  browser: Browser;
  /** A page in a fresh context (its own cookies), signed in as `user` when given. */
  newPage(options?: { user?: TestPerson; width?: number; height?: number; baseUrl: string }): Promise<Page>;
  /** What the Content-Security-Policy blocked so far (then forgotten); anything left fails `close()`. */
  takePolicyViolations(): string[];
  close(): Promise<void>;
}

/**
 * Debian's Chromium, headless, with the background networking a closed network refuses turned off.
 * Playwright gives each launch a fresh temporary profile.
 */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}: install it (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // The server's Content-Security-Policy must let every page of the app work: Chromium reports
  // each thing it blocks on the console, and any report fails the file's run at close.
  const policyViolations: string[] = [];
  return {
    browser,
    async newPage(options) {
      const context = await browser.newContext({ viewport: { width: options?.width ?? 1280, height: options?.height ?? 900 } });
      if (options?.user) await signInContext(context, options.baseUrl, TEST_PEOPLE[options.user].email, TEST_PASSWORD);
      const page = await context.newPage();
      page.on('pageerror', (error) => console.error('[browser] page error:', error));
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) policyViolations.push(`${page.url()}: ${message.text()}`);
      });
      return page;
    },
    takePolicyViolations: () => policyViolations.splice(0),
    async close() {
      await browser.close();
      if (policyViolations.length > 0) throw new Error(`The Content-Security-Policy blocked:\n${policyViolations.join('\n')}`);
    },
  };
}

/**
 * Signs a browser context in through the real endpoint; the session cookie it sets is the
 * context's, so every page of it is signed in. The Origin header is what a browser would send.
 */
export async function signInContext(context: BrowserContext, baseUrl: string, email: string, password: string): Promise<void> {
  const response = await context.request.post(`${baseUrl}/api/auth/sign-in/email`, { data: { email, password }, headers: { origin: baseUrl } });
  if (!response.ok()) throw new Error(`${email} could not sign in (${response.status()}): ${await response.text()}`);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name}.png`);
  // What a person sees once things settle: a progress bar still sliding to full is not the picture.
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((animation) => Number.isFinite(Number(animation.effect?.getComputedTiming().endTime)))
        .map((animation) => animation.finished.catch(() => undefined)),
    ),
  );
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
