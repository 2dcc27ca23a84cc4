import type { Browser } from 'playwright-core';
import { ADMIN_KEY, BrowserApp, describeBrowser, launchChromium, linkMail, newPage, Screenshots, watchPage } from '../browser/support/browser';
import {
  api, createAccount, FIRST_PASSWORD, invitationMail, loginStatus, NEW_PASSWORD, openLink, submitPasswordForm, typePasswords, userWithPassword,
  watchedPageIn,
} from '../browser/support/pages';
import {
  authorizeClientCredentials, authorizeDialogSchemes, closeAuthorizeDialog, executeOperation, openAuthorizeDialog, operationBlock, renderedOperations,
  waitForOperations,
} from '../browser/support/swagger-ui';
import { Artifact, useArtifact } from './support/artifact';
import { OpenApiDocument, OperationCoverage } from './support/operations';

/**
 * The built service (npm start) in Chromium: Swagger UI at /docs shows every operation of /docs-json and
 * its Authorize dialog works; a person's invitation and forgot-password flows end on their success pages.
 * Without Chromium these are skipped (failing in CI), like test/browser.
 */
jest.setTimeout(60_000);

/** The built service in the shape the page helpers of test/browser take; it has no in-process app. */
function browserApp(a: Artifact): BrowserApp {
  return {
    baseUrl: a.baseUrl,
    smtp: a.smtp,
    url: a.url,
    mailTo: async (to, o) => linkMail(await a.mail(to, o)),
    close: () => a.close(),
    get t(): never {
      throw new Error('the built service runs in its own process: there is no in-process app to reach');
    },
  };
}

describeBrowser('the built service (npm start) in Chromium', () => {
  const s = useArtifact();
  let browser: Browser;
  let app: BrowserApp;
  let shots: Screenshots;

  beforeAll(async () => {
    shots = new Screenshots('artifact');
    browser = await launchChromium();
    app = browserApp(s.app);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('Swagger UI at /docs shows every operation of /docs-json under its own CSP; Authorize offers every scheme and OAuth client credentials work', async () => {
    const doc = (await (await fetch(app.url('/docs-json'))).json()) as OpenApiDocument;
    const page = await newPage(browser);
    const problems = watchPage(page, { origin: app.baseUrl });
    await page.goto(app.url('/docs'));
    await waitForOperations(page);
    await shots.take(page, 'swagger ui');
    expect(await renderedOperations(page)).toEqual([...new OperationCoverage(doc).operations].sort());

    const dialog = await openAuthorizeDialog(page);
    const schemes = (await authorizeDialogSchemes(dialog)).join('\n');
    for (const scheme of Object.keys((doc as { components?: { securitySchemes?: object } }).components?.securitySchemes ?? {})) expect(schemes).toContain(scheme);
    await expect(dialog.innerText()).resolves.toContain('X-Api-Key');
    const client = await api(app, 'POST', '/api-keys', { name: 'swagger ui client', scopes: ['admin'] }, { 'X-Api-Key': ADMIN_KEY });
    expect(client.status).toBe(201);
    await authorizeClientCredentials(dialog, client.body.id, client.body.key);
    await closeAuthorizeDialog(dialog);
    const operation = operationBlock(page, 'get', '/api-keys');
    const live = await executeOperation(operation);
    await shots.take(page, 'swagger ui client token call');
    await expect(live.locator('.response-col_status').innerText()).resolves.toMatch(/^\s*200\b/);
    await expect(operation.locator('.curl-command').innerText()).resolves.toMatch(/Authorization: Bearer ey/);
    problems.expectNone();
    await page.context().close();
  });

  it('invitation: the emailed link opens the set-password page, and the password chosen there signs in', async () => {
    const { email } = await createAccount(app, 'Artifact Co');
    const invitation = await invitationMail(app, email);
    expect(invitation.link).toMatch(new RegExp(`^${app.baseUrl}/set-password#token=`));
    const { page, problems, documents } = await watchedPageIn(browser, app);
    await openLink(page, invitation.link);
    await expect(page.locator('#email').inputValue()).resolves.toBe(email);
    await typePasswords(page, FIRST_PASSWORD);
    await submitPasswordForm(page);
    await page.locator('.message[role="status"]').waitFor();
    await shots.take(page, 'invitation success');
    expect(documents).toEqual(['200 GET /set-password', '200 POST /set-password', '200 POST /set-password']);
    expect(await loginStatus(app, email, FIRST_PASSWORD)).toBe(200);
    problems.expectNone();
    await page.context().close();
  });

  it('forgot password: the form sends a reset email, its link opens the reset page, and the new password signs in', async () => {
    const { email } = await userWithPassword(app, 'Artifact Ltd');
    const { page, problems } = await watchedPageIn(browser, app);
    await page.goto(app.url('/forgot-password'));
    const since = app.smtp.messages.length;
    await page.locator('#email').fill(email);
    await page.locator('form button[type="submit"]').click();
    await page.locator('.message').waitFor();
    const mail = await app.mailTo(email, { since, subject: /reset/i });
    expect(mail.link).toMatch(new RegExp(`^${app.baseUrl}/password-reset#code=`));
    await openLink(page, mail.link);
    expect(page.url()).toBe(app.url('/password-reset'));
    await typePasswords(page, NEW_PASSWORD);
    await submitPasswordForm(page);
    await page.locator('.message[role="status"]').waitFor();
    await shots.take(page, 'reset success');
    expect(await loginStatus(app, email, FIRST_PASSWORD)).toBe(401);
    expect(await loginStatus(app, email, NEW_PASSWORD)).toBe(200);
    problems.expectNone();
    await page.context().close();
  });
});
