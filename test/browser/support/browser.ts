import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContextOptions, ConsoleMessage, LaunchOptions, Page } from 'playwright-core';
import type { TestApp, TestAppOptions } from '../../e2e/support/test-app';
import { extractCode, ReceivedMail, SmtpTestServer } from '../../support/smtp-test-server';
import { chromiumAvailable, chromiumPath, inCi, missingChromiumLine } from './chromium';
import { SKIP_REASON, skippedTitle } from '../../support/skips';

export { ADMIN_KEY } from '../../support/admin-key';
export { chromiumAvailable, chromiumPath } from './chromium';

// --- Chromium ----------------------------------------------------------------------------------

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/** Launches the system Chromium (CHROMIUM_PATH or /usr/bin/chromium) headless. Never downloads a browser. */
export function launchChromium(opts: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({ ...opts, executablePath: chromiumPath(), args: [...CHROMIUM_ARGS, ...(opts.args ?? [])] });
}

/** A new page in a fresh context (own cookies and storage), English, 1280×900. Never bypasses CSP. */
export async function newPage(browser: Browser, opts: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', ...opts, bypassCSP: false });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

/**
 * `describe` for browser specs. Without Chromium the suite is registered as skipped (the jest
 * globalSetup of the browser project prints the one line saying so); with CI set it fails instead.
 */
export function describeBrowser(name: string, fn: () => void): void {
  if (chromiumAvailable()) {
    describe(name, fn);
  } else if (inCi()) {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(missingChromiumLine());
      });
    });
  } else {
    describe.skip(skippedTitle(name, SKIP_REASON.chromium), fn);
  }
}

// --- Screenshots -------------------------------------------------------------------------------

/** Repository root / test-output / browser. */
export const SCREENSHOT_ROOT = resolve(__dirname, '../../../test-output/browser');

/**
 * Numbered step screenshots: test-output/browser/<suite>/01-<step>.png, 02-…. The suite's folder is
 * emptied when the helper is made, so it holds only the latest run.
 */
export class Screenshots {
  readonly dir: string;
  private n = 0;

  constructor(suiteName: string) {
    this.dir = join(SCREENSHOT_ROOT, slug(suiteName));
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }

  /** Saves a screenshot of the viewport (or the whole page) as the next step; returns its path. */
  async take(page: Page, step: string, opts: { fullPage?: boolean } = {}): Promise<string> {
    this.n += 1;
    const path = join(this.dir, `${String(this.n).padStart(2, '0')}-${slug(step)}.png`);
    // Chromium now and then answers "Unable to capture screenshot" when no frame was painted yet (seen once
    // in CI on a loaded machine, the page itself fine): asked again after a frame, it answers.
    for (let attempt = 1; ; attempt++) {
      try {
        await page.screenshot({ path, fullPage: opts.fullPage ?? false });
        return path;
      } catch (error) {
        if (attempt >= 3 || !String(error).includes('Unable to capture screenshot')) throw error;
        await page.waitForTimeout(250);
      }
    }
  }
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'step';
}

// --- Accessibility (axe-core) ------------------------------------------------------------------

export interface AxeViolation {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  helpUrl: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

let axeSource: string | undefined;

/**
 * Runs axe-core in the page and returns every violation. axe is injected with page.evaluate (a CDP
 * Runtime.evaluate, which a page's Content-Security-Policy does not block; a <script> tag would be).
 * `selector` limits the check to part of the page.
 */
export async function axeViolations(page: Page, opts: { selector?: string } = {}): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  const present = await page.evaluate('typeof window.axe === "object"');
  if (!present) await page.evaluate(`${axeSource}\n;void 0`);
  const result = await page.evaluate(async (selector) => {
    const axe = (window as any).axe;
    const r = await axe.run(selector ?? document, { resultTypes: ['violations'] });
    return r.violations.map((v: AxeViolation) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  }, opts.selector ?? null);
  return result as AxeViolation[];
}

/** One line per violation: impact, id, help, and the CSS targets of its nodes. */
export function formatViolations(violations: AxeViolation[]): string {
  return violations.map((v) => `[${v.impact}] ${v.id}: ${v.help} — ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`).join('\n');
}

/** Fails listing every axe violation with impact serious or critical (minor/moderate are tolerated). */
export async function expectAccessible(page: Page, opts: { selector?: string } = {}): Promise<void> {
  const bad = (await axeViolations(page, opts)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length > 0) throw new Error(`axe: ${bad.length} serious/critical violation(s) on ${page.url()}:\n${formatViolations(bad)}`);
}

// --- Console errors, CSP violations, foreign requests ---------------------------------------

export interface PageProblems {
  /** Console messages of type error (CSP violations included). */
  readonly consoleErrors: string[];
  /** The console errors that are Content-Security-Policy violations. */
  readonly cspViolations: string[];
  /** Uncaught exceptions in the page. */
  readonly pageErrors: string[];
  /** Requests to an origin other than `origin` (when given). */
  readonly foreignRequests: string[];
  /** Fails when any of the above was recorded (foreign requests only when `origin` was given). */
  expectNone(): void;
}

/**
 * Starts recording what a strict page must not do; call before page.goto. CSP violations show up in
 * Chromium's console as errors naming the "Content Security Policy directive" (Chromium 156: "Executing
 * inline script violates the following Content Security Policy directive …"). A failed load of /favicon.ico is not recorded; `ignore` drops other
 * console errors that match.
 */
export function watchPage(page: Page, opts: { origin?: string; ignore?: RegExp[] } = {}): PageProblems {
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  const foreignRequests: string[] = [];
  const origin = opts.origin ? new URL(opts.origin).origin : undefined;
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() !== 'error') return;
    const at = m.location().url;
    // Chromium asks for /favicon.ico on its own; a 404 there is no fault of the page.
    if (/^Failed to load resource/.test(m.text()) && at && new URL(at).pathname === '/favicon.ico') return;
    const text = /^Failed to load resource/.test(m.text()) && at ? `${m.text()}: ${at}` : m.text();
    if (!(opts.ignore ?? []).some((re) => re.test(text))) consoleErrors.push(text);
  });
  page.on('pageerror', (e) => pageErrors.push(String(e?.stack ?? e)));
  page.on('request', (r) => {
    const url = r.url();
    if (origin && /^https?:/.test(url) && new URL(url).origin !== origin) foreignRequests.push(`${r.method()} ${url}`);
  });
  return {
    consoleErrors,
    get cspViolations() {
      return consoleErrors.filter((t) => /Content[- ]Security[- ]Policy/i.test(t));
    },
    pageErrors,
    foreignRequests,
    expectNone() {
      const lines = [
        ...consoleErrors.map((t) => `console error: ${t}`),
        ...pageErrors.map((t) => `page error: ${t}`),
        ...foreignRequests.map((t) => `request to another origin: ${t}`),
      ];
      if (lines.length > 0) throw new Error(`page problems on ${page.url()}:\n${lines.join('\n')}`);
    },
  };
}

// --- The app over real HTTP -------------------------------------------------------------------

export interface BrowserAppOptions extends Omit<TestAppOptions, 'kind' | 'smtpUrl' | 'database'> {}

/** A mail with the first link of its text part and its `Code: <value>` line (each throws when absent). */
export interface LinkMail {
  mail: ReceivedMail;
  readonly link: string;
  readonly code: string;
}

export interface BrowserApp {
  /** http://127.0.0.1:<port>, also the app's PUBLIC_URL (so links in mails point at it). */
  baseUrl: string;
  t: TestApp;
  smtp: SmtpTestServer;
  /** baseUrl + path. */
  url(path: string): string;
  /**
   * The newest mail to `to` (optionally: received from index `since` of smtp.messages on, subject
   * matching), after resolving waiting requests and sending the outbox; waits for one otherwise.
   */
  mailTo(to: string, opts?: { since?: number; subject?: RegExp }): Promise<LinkMail>;
  close(): Promise<void>;
}

/**
 * The real AppModule (SQLite, a real SMTP server) listening on 127.0.0.1 and a free port, with
 * PUBLIC_URL set to that address. Retries on another port if the chosen one was taken meanwhile.
 */
export async function startBrowserApp(opts: BrowserAppOptions = {}): Promise<BrowserApp> {
  // Loaded here, not at the top: the specs on the built service (test/artifact) use this module's
  // Chromium helpers without loading the service's sources.
  const [{ startTestApp }, { latestMail }] = await Promise.all([import('../../e2e/support/test-app'), import('../../e2e/support/factories')]);
  const smtp = await SmtpTestServer.start();
  try {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const t = await startTestApp({ ...opts, kind: 'sqlite', smtpUrl: smtp.url, env: { PUBLIC_URL: baseUrl, PORT: String(port), ...opts.env }, listen: false });
      try {
        await t.app.listen(port, '127.0.0.1');
      } catch (error) {
        await t.close();
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 3) continue;
        throw error;
      }
      return {
        baseUrl,
        t,
        smtp,
        url: (path) => `${baseUrl}${path.startsWith('/') ? '' : '/'}${path}`,
        mailTo: async (to, o = {}) => linkMail(await latestMail(t, smtp, to, o.subject ? (m) => o.subject!.test(m.subject) : undefined, o.since ?? 0)),
        close: async () => {
          await t.close();
          await smtp.stop();
        },
      };
    }
  } catch (error) {
    await smtp.stop();
    throw error;
  }
}

/** A port nobody listens on right now (the OS's choice), on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}

/** The first http(s) URL in the text part of `mail`. */
export function firstLink(mail: ReceivedMail): string {
  const match = /https?:\/\/[^\s<>"']+/.exec(mail.text);
  if (!match) throw new Error(`firstLink: no link in the text of "${mail.subject}" to ${mail.to}`);
  return match[0].replace(/[.,;:!?)\]]+$/, '');
}

export function linkMail(mail: ReceivedMail): LinkMail {
  return {
    mail,
    get link() {
      return firstLink(mail);
    },
    get code() {
      return extractCode(mail);
    },
  };
}

// --- One suite: app + browser ------------------------------------------------------------------

export interface BrowserSuite {
  readonly app: BrowserApp;
  readonly browser: Browser;
  readonly shots: Screenshots;
}

/**
 * Registers beforeAll/afterAll that start the app (startBrowserApp) and Chromium, and stop both.
 * Call inside describeBrowser; read the fields inside tests. Screenshots go to
 * test-output/browser/<name>/.
 */
export function useBrowserSuite(name: string, opts: BrowserAppOptions = {}): BrowserSuite {
  let app: BrowserApp | undefined;
  let browser: Browser | undefined;
  let shots: Screenshots | undefined;
  beforeAll(async () => {
    shots = new Screenshots(name);
    const [a, b] = await Promise.allSettled([startBrowserApp(opts), launchChromium()]);
    if (a.status === 'fulfilled') app = a.value;
    if (b.status === 'fulfilled') browser = b.value;
    if (a.status === 'rejected') throw a.reason;
    if (b.status === 'rejected') throw b.reason;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useBrowserSuite: ${what} is not ready (read it inside a test, after beforeAll)`);
    return value;
  };
  return {
    get app() {
      return need(app, 'app');
    },
    get browser() {
      return need(browser, 'browser');
    },
    get shots() {
      return need(shots, 'shots');
    },
  };
}
