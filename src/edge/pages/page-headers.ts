/**
 * The response headers of every page (and of every failure answered on a page path): a strict
 * Content-Security-Policy (our own script and style only, no inline code, nothing from another origin,
 * forms post only to us, no framing), no Referer ever (a link's secret never leaks from the page),
 * nothing cached, no framing (X-Frame-Options for browsers without CSP frame-ancestors).
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'",
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
});
