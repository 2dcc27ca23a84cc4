import type { Locator, Page } from 'playwright-core';

/**
 * Steps in Swagger UI (/docs) as an admin takes them, shared by the browser spec on the sources and the
 * tier on the built service.
 */

/** Waits until Swagger UI has rendered the document's operations. */
export async function waitForOperations(page: Page): Promise<void> {
  await page.locator('.opblock').first().waitFor();
}

/** Every operation Swagger UI shows, as "METHOD /path" (once each, sorted; an operation under two tags shows twice). */
export async function renderedOperations(page: Page): Promise<string[]> {
  const shown = await page.locator('.opblock').evaluateAll((blocks) =>
    blocks.map((b) => `${b.querySelector('.opblock-summary-method')?.textContent?.trim()} ${b.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`),
  );
  return [...new Set(shown)].sort();
}

/** Opens the Authorize dialog; returns it. */
export async function openAuthorizeDialog(page: Page): Promise<Locator> {
  await page.locator('button.authorize').first().click();
  const dialog = page.locator('.modal-ux');
  await dialog.waitFor();
  return dialog;
}

/** The names of the security schemes the Authorize dialog offers, e.g. "api-key (apiKey)". */
export async function authorizeDialogSchemes(dialog: Locator): Promise<string[]> {
  return (await dialog.locator('.auth-container h4').allInnerTexts()).map((t) => t.trim());
}

/** In the open dialog: OAuth2 client credentials with an API key's id and key; resolves once authorized. */
export async function authorizeClientCredentials(dialog: Locator, clientId: string, clientSecret: string): Promise<void> {
  const form = dialog.locator('.auth-container').filter({ hasText: 'clientCredentials' });
  await form.locator('input[type="text"]').first().fill(clientId);
  await form.locator('input[type="password"]').first().fill(clientSecret);
  await form.locator('button.authorize').click();
  await form.getByRole('button', { name: 'Remove authorization' }).waitFor();
}

export async function closeAuthorizeDialog(dialog: Locator): Promise<void> {
  await dialog.getByRole('button', { name: 'Close' }).first().click();
  await dialog.waitFor({ state: 'detached' });
}

/** The operation's block: e.g. ('get', '/api-keys'). */
export function operationBlock(page: Page, method: string, path: string): Locator {
  return page.locator(`.opblock-${method.toLowerCase()}`).filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) });
}

/** Expands the operation, "Try it out", "Execute"; resolves with the row of the answer it got. */
export async function executeOperation(operation: Locator): Promise<Locator> {
  await operation.locator('.opblock-summary').first().click();
  await operation.getByRole('button', { name: 'Try it out' }).click();
  await operation.getByRole('button', { name: 'Execute' }).click();
  const live = operation.locator('.live-responses-table .response').first();
  await live.waitFor();
  return live;
}
