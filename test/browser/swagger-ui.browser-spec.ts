import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ADMIN_KEY, axeViolations, describeBrowser, formatViolations, newPage, useBrowserSuite, watchPage } from './support/browser';
import { authorizeClientCredentials, closeAuthorizeDialog, executeOperation, openAuthorizeDialog, operationBlock } from './support/swagger-ui';

/**
 * The README's first step, as an admin does it: Swagger UI at /docs, Authorize with the admin API
 * key, then POST /accounts with "Try it out".
 */
describeBrowser('Swagger UI: an admin creates an account from /docs', () => {
  const s = useBrowserSuite('swagger-ui');

  it('authorizes with the admin key and gets 201 from POST /accounts', async () => {
    const page = await newPage(s.browser);
    const problems = watchPage(page, { origin: s.app.baseUrl });

    await page.goto(s.app.url('/docs'));
    await page.getByRole('button', { name: 'Authorize' }).first().waitFor();
    await s.shots.take(page, 'docs opened');

    // Authorize: the dialog lists both schemes; the X-Api-Key one takes the admin key.
    await page.locator('button.authorize').first().click();
    const dialog = page.locator('.modal-ux');
    await dialog.waitFor();
    const apiKeyForm = dialog.locator('.auth-container').filter({ hasText: 'X-Api-Key' });
    await apiKeyForm.locator('input').fill(ADMIN_KEY);
    await s.shots.take(page, 'admin key pasted');
    // Swagger UI labels its Authorize and Logout buttons for screen readers.
    await apiKeyForm.getByRole('button', { name: 'Apply credentials' }).click();
    await apiKeyForm.getByRole('button', { name: 'Remove authorization' }).waitFor();
    await s.shots.take(page, 'authorized');
    await dialog.getByRole('button', { name: 'Close' }).first().click();
    await dialog.waitFor({ state: 'detached' });
    await s.shots.take(page, 'dialog closed');

    // POST /accounts
    const operation = page.locator('.opblock-post').filter({ has: page.locator('.opblock-summary-path[data-path="/accounts"]') });
    await operation.locator('.opblock-summary').first().click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    const body = operation.locator('textarea.body-param__text');
    await body.fill('{"name":"Acme","owner":{"email":"ada@example.com"}}');
    await s.shots.take(page, 'body filled');
    await operation.getByRole('button', { name: 'Execute' }).click();

    const live = operation.locator('.live-responses-table .response').first();
    await live.waitFor();
    await live.evaluate((row) => row.scrollIntoView({ block: 'start' }));
    await s.shots.take(page, 'response shown');
    await expect(live.locator('.response-col_status').innerText()).resolves.toMatch(/^\s*201\b/);
    await expect(live.locator('.response-col_description').innerText()).resolves.toMatch(/"account_id"\s*:\s*"[0-9a-f-]{36}"/);

    // The account exists and its owner was invited (the mail went through the real SMTP server).
    const invitation = await s.app.mailTo('ada@example.com', { subject: /invit/i });
    expect(invitation.link).toMatch(new RegExp(`^${s.app.baseUrl}/set-password#token=`));
    expect(invitation.code.length).toBeGreaterThan(20);

    problems.expectNone();

    // Third-party UI: its accessibility is reported (one line per rule, the details in a file beside
    // the screenshots), not enforced. The service's own pages use expectAccessible instead.
    const serious = (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
    if (serious.length > 0) {
      const file = join(s.shots.dir, 'axe-violations.txt');
      writeFileSync(file, `${formatViolations(serious)}\n`);
      const rules = serious.map((v) => `${v.id} (${v.impact}, ${v.nodes.length} node${v.nodes.length === 1 ? '' : 's'})`).join(', ');
      process.stdout.write(`axe on Swagger UI /docs, not enforced (third-party UI): ${rules}; details in ${relative(process.cwd(), file)}\n`);
    }
  });
  it('authorizes with OAuth client credentials (an API key\'s id and key) and calls an admin route with the client token', async () => {
    const created = await s.app.t.http.post('/api-keys').set('X-Api-Key', ADMIN_KEY).send({ name: 'swagger client', scopes: ['admin'] }).expect(201);
    const page = await newPage(s.browser);
    const problems = watchPage(page, { origin: s.app.baseUrl });
    await page.goto(s.app.url('/docs'));
    const dialog = await openAuthorizeDialog(page);
    await authorizeClientCredentials(dialog, created.body.id, created.body.key);
    await s.shots.take(page, 'client authorized');
    await closeAuthorizeDialog(dialog);

    const operation = operationBlock(page, 'get', '/api-keys');
    const live = await executeOperation(operation);
    await s.shots.take(page, 'called with the client token');
    await expect(live.locator('.response-col_status').innerText()).resolves.toMatch(/^\s*200\b/);
    await expect(operation.locator('.curl-command').innerText()).resolves.toMatch(/Authorization: Bearer ey/);
    problems.expectNone();
  });

  it('works when /docs is opened under another name than PUBLIC_URL: the token and "Try it out" go to the page\'s own origin', async () => {
    const created = await s.app.t.http.post('/api-keys').set('X-Api-Key', ADMIN_KEY).send({ name: 'other name', scopes: ['admin'] }).expect(201);
    // PUBLIC_URL is http://127.0.0.1:<port>; the admin opens the same instance as localhost.
    const other = s.app.baseUrl.replace('127.0.0.1', 'localhost');
    const page = await newPage(s.browser);
    const problems = watchPage(page, { origin: other });
    await page.goto(`${other}/docs`);
    const dialog = await openAuthorizeDialog(page);
    await authorizeClientCredentials(dialog, created.body.id, created.body.key);
    await closeAuthorizeDialog(dialog);

    const live = await executeOperation(operationBlock(page, 'get', '/api-keys'));
    await expect(live.locator('.response-col_status').innerText()).resolves.toMatch(/^\s*200\b/);
    problems.expectNone();
  });
});
