/** The languages the service can speak to a person (emails, pages). A closed list: a new one needs its texts first. */
export const SUPPORTED_LOCALES = ['en', 'de'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (SUPPORTED_LOCALES as readonly string[]).includes(value);
}

/** The supported locale of a language tag by its primary subtag (`de-AT` → `de`), or null. */
function localeOfTag(tag: string): Locale | null {
  const primary = tag.trim().split(/[-_]/)[0].toLowerCase();
  return isLocale(primary) ? primary : null;
}

/** Accept-Language entries read at most (a header is a few entries; a longer one is not a person's browser). */
const MAX_ENTRIES = 32;

/**
 * The locale to speak: the user's own (`preferred`, when supported) wins; then the supported language
 * with the highest q-weight in `Accept-Language` (RFC 9110 §12.5.4; ties keep the header's order,
 * `q=0` means "not this one", `*` and malformed entries are skipped); else `en`.
 */
export function negotiateLocale(acceptLanguage: string | undefined, preferred?: string | null): Locale {
  const own = preferred ? localeOfTag(preferred) : null;
  if (own) return own;
  if (typeof acceptLanguage !== 'string' || acceptLanguage.length === 0) return DEFAULT_LOCALE;
  let best: { locale: Locale; q: number } | null = null;
  for (const entry of acceptLanguage.split(',').slice(0, MAX_ENTRIES)) {
    const [tag, ...params] = entry.split(';');
    const q = weight(params);
    if (q === null || q === 0 || !/^\s*[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*\s*$/.test(tag)) continue;
    const locale = localeOfTag(tag);
    if (locale && (!best || q > best.q)) best = { locale, q };
  }
  return best?.locale ?? DEFAULT_LOCALE;
}

/** The q parameter (default 1), or null when it is malformed. */
function weight(params: string[]): number | null {
  for (const param of params) {
    const m = /^\s*q\s*=\s*(.*?)\s*$/i.exec(param);
    if (!m) continue;
    if (!/^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(m[1])) return null;
    return Number(m[1]);
  }
  return 1;
}
