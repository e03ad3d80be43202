import type { AaeClient } from '@aae/client';
import type { Page } from 'playwright-core';

/** Signs in through the sign-in page, as a person types it. */
export async function signInThroughPage(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Creates a token on the Tokens page (already open) and reads it from the box that shows it once. */
export async function createTokenInPage(page: Page, name: string, scopes: string[], expiry: string): Promise<string> {
  const form = page.getByRole('form', { name: 'Create a token' });
  await form.getByLabel('Name').fill(name);
  for (const scope of scopes) await form.getByRole('checkbox', { name: scope, exact: true }).check();
  await form.getByLabel('Expires after').selectOption(expiry);
  await form.getByRole('button', { name: 'Create token' }).click();
  await page.getByRole('heading', { name: `Copy your new token “${name}” now` }).waitFor();
  return page.getByLabel('Token', { exact: true }).inputValue();
}

export async function openAccountMenu(page: Page): Promise<void> {
  await page.locator('.account-menu summary').click();
  await page.locator('.account-links').waitFor();
}

/** Runs nothing itself: follows an execution's events through the client until the stream ends after its terminal event. */
export function followExecution(client: AaeClient, executionId: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const types: string[] = [];
    client.events.onExecutionEvent.subscribe(
      { executionId },
      { onData: ({ data }) => types.push(data.eventType), onComplete: () => resolve(types), onError: reject },
    );
  });
}
