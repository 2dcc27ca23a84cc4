import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { ADMIN_KEY, BrowserApp, BrowserSuite, expectAccessible, LinkMail, newPage, PageProblems, watchPage } from './browser';

/**
 * What the browser specs of the pages behind the email links share: the API calls that set a person
 * up (over real HTTP, with fetch, never through the page), and the steps a person takes on a page.
 */

/** Passes the service's default policy (8..99 characters, all four classes, not common). */
export const FIRST_PASSWORD = 'Tr1cky-Lantern-42';
export const NEW_PASSWORD = 'Brisk-Otter-Canyon-71';

export function uniqueEmail(prefix: string): string {
  return `${prefix}.${randomBytes(4).toString('hex')}@example.com`;
}

export interface ApiAnswer {
  status: number;
  body: any;
}

/** A JSON request to the app over HTTP (what an API client does). */
export async function api(app: BrowserApp, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
  const res = await fetch(app.url(path), {
    method,
    headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed };
}

async function expectStatus(answer: Promise<ApiAnswer>, status: number, what: string): Promise<ApiAnswer> {
  const a = await answer;
  if (a.status !== status) throw new Error(`${what}: expected ${status}, got ${a.status} ${JSON.stringify(a.body)}`);
  return a;
}

/** POST /accounts with the admin key; the owner is invited (the mail goes to the SMTP test server). */
export async function createAccount(app: BrowserApp, name: string, email = uniqueEmail('owner')): Promise<{ accountId: string; userId: string; email: string }> {
  const res = await expectStatus(api(app, 'POST', '/accounts', { name, owner: { email } }, { 'X-Api-Key': ADMIN_KEY }), 201, 'POST /accounts');
  return { accountId: res.body.data.account_id, userId: res.body.data.user_id, email };
}

/** The newest invitation mail to `email`. */
export function invitationMail(app: BrowserApp, email: string, since = 0): Promise<LinkMail> {
  return app.mailTo(email, { since, subject: /invit/i });
}

/** An account whose owner set FIRST_PASSWORD through the D1 API with the token of the invitation email. */
export async function userWithPassword(app: BrowserApp, name = 'Acme'): Promise<{ accountId: string; userId: string; email: string }> {
  const account = await createAccount(app, name);
  const { code } = await invitationMail(app, account.email);
  await expectStatus(api(app, 'POST', '/accounts/set-password', { token: code, password: FIRST_PASSWORD }), 200, 'POST /accounts/set-password');
  return account;
}

/** POST /auth/login from the test; returns the status. */
export async function loginStatus(app: BrowserApp, email: string, password: string): Promise<number> {
  return (await api(app, 'POST', '/auth/login', { email, password })).status;
}

/**
 * Chromium logs "Failed to load resource: the server responded with a status of 4xx" for a document
 * whose status is not 2xx. The pages answer a refused form or a used link with 400 on purpose (the
 * page itself is the answer), so that line is not a fault when it names a page's own URL; the status
 * of every page load is recorded in `documents` instead, for the tests to check.
 */
const PAGE_STATUS_LINE = /^Failed to load resource: the server responded with a status of 4\d\d \([^)]*\): https?:\/\/[^/]+\/(set-password|verify-email|password-reset|account\/reset|forgot-password|account\/recover)$/;

export interface WatchedPage {
  page: Page;
  problems: PageProblems;
  /** "<status> <method> <path>" of every main-frame document loaded, in order. */
  documents: string[];
}

/** A page in a fresh context that records CSP violations, console errors and requests to other origins. */
export async function watchedPage(s: BrowserSuite, opts: BrowserContextOptions = {}): Promise<WatchedPage> {
  return watchedPageIn(s.browser, s.app, opts);
}

export async function watchedPageIn(browser: Browser, app: BrowserApp, opts: BrowserContextOptions = {}): Promise<WatchedPage> {
  // 1000×800: screenshots small enough for the README (docs/screenshots), wide enough for the desktop layout.
  const page = await newPage(browser, { viewport: { width: 1000, height: 800 }, ...opts });
  const documents: string[] = [];
  page.on('response', (res) => {
    const req = res.request();
    if (req.isNavigationRequest() && req.frame() === page.mainFrame()) documents.push(`${res.status()} ${req.method()} ${new URL(res.url()).pathname}`);
  });
  return { page, problems: watchPage(page, { origin: app.baseUrl, ignore: [PAGE_STATUS_LINE] }), documents };
}

/**
 * Opens an email link in a fresh load: the page loads with the code form, its script takes the secret from the
 * fragment and submits it; resolves once the next page (the password form or a message) is there.
 */
export async function openLink(page: Page, link: string): Promise<void> {
  // A link that differs from the address shown only in its fragment would not load the page again
  // (a same-document navigation): start from a blank page, as a new tab does.
  if (page.url().split('#')[0] === link.split('#')[0]) await page.goto('about:blank');
  await page.goto(link);
  await page.locator('#password, .message').first().waitFor();
}

/** A screenshot of the step, then axe on the page as it is (no serious or critical violation). */
export async function step(s: BrowserSuite, page: Page, name: string): Promise<void> {
  await s.shots.take(page, name);
  await expectAccessible(page);
}

/** Fills both password fields (fill fires the input events the page's script listens to). */
export async function typePasswords(page: Page, password: string, confirm = password): Promise<void> {
  await page.locator('#password').fill(password);
  await page.locator('#confirm').fill(confirm);
}

/** Submits the password form and waits for the answer: the success message, or the form with its errors. */
export async function submitPasswordForm(page: Page): Promise<void> {
  await page.locator('form button[type="submit"]').click();
  await page.locator('.message, #error-summary').first().waitFor();
}

/** The id of the focused element, or its tag name. */
export function focusedId(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    return el ? el.id || el.tagName.toLowerCase() : '';
  });
}

/** The rules list: each checkable rule's data-rule value and whether the script marked it met. */
export function ruleStates(page: Page): Promise<Array<{ rule: string; value: string; met: boolean; state: string }>> {
  return page.locator('#rules li[data-rule]').evaluateAll((items) =>
    items.map((li) => ({
      rule: li.getAttribute('data-rule') ?? '',
      value: li.getAttribute('data-value') ?? '',
      met: li.classList.contains('met'),
      state: li.querySelector('.rule-state')?.textContent ?? '',
    })),
  );
}
