import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { describeBrowser, expectAccessible, launchChromium, newPage, watchPage } from './support/browser';

/**
 * The harness itself, on two tiny pages served under the strict CSP the service's pages will have:
 * axe still runs there, and a blocked inline script shows up as a CSP violation.
 */
describeBrowser('browser harness under a strict Content-Security-Policy', () => {
  const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
  const pages: Record<string, string> = {
    '/good': '<!doctype html><html lang="en"><head><title>Good</title></head><body><main><h1>Good</h1><form><label for="p">New password</label><input id="p" type="password" autocomplete="new-password"><button>Save</button></form></main></body></html>',
    '/bad': '<!doctype html><html lang="en"><head><title>Bad</title></head><body><main><h1>Bad</h1><input type="password"><script>document.title = "ran"</script></main></body></html>',
  };
  let server: Server;
  let origin: string;
  let browser: Browser;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = pages[req.url ?? ''];
      res.writeHead(body ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': CSP });
      res.end(body ?? '');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('injects axe despite the CSP: a labelled form passes, an unlabelled input fails', async () => {
    const page = await newPage(browser);
    const problems = watchPage(page, { origin });
    await page.goto(`${origin}/good`);
    await expectAccessible(page);
    problems.expectNone();

    await page.goto(`${origin}/bad`);
    await expect(expectAccessible(page)).rejects.toThrow(/\[critical\] label: .*"input"/);
    await page.context().close();
  });

  it('records a blocked inline script as a CSP violation', async () => {
    const page = await newPage(browser);
    const problems = watchPage(page, { origin });
    await page.goto(`${origin}/bad`);
    await expect(page.title()).resolves.toBe('Bad');
    for (let i = 0; i < 50 && problems.cspViolations.length === 0; i++) await page.waitForTimeout(20);
    expect(problems.cspViolations).toEqual([expect.stringMatching(/inline script.*Content Security Policy directive 'script-src 'self''/)]);
    expect(() => problems.expectNone()).toThrow(/Content Security Policy/);
    await page.context().close();
  });
});
