import { DEFAULT_LOCALE, isLocale, Locale } from '../../ground/common/locale';
import { de } from './de';
import { Catalog, en, MessageKey } from './en';

export type { MessageKey } from './en';

/** The one message catalog of the pages and the emails, by language (src/core/messages/en.ts is the reference). */
export const CATALOGS: Record<Locale, Catalog> = { en, de };

export type MessageParams = Record<string, string | number>;

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/**
 * The catalog of one language, with the few formatting rules sentences need (plural durations, dates).
 * Returns plain text: escaping is the template's job (src/core/views), never the catalog's.
 */
export class Messages {
  private readonly catalog: Catalog;
  private readonly plural: Intl.PluralRules;
  /**
   * Made once per language: constructing an Intl.DateTimeFormat costs ~0.3 ms of CPU (ICU loads the
   * locale's patterns); formatting with one made already takes ~2 µs. Every "password changed" notice formats a date.
   */
  private readonly dates: Intl.DateTimeFormat;

  constructor(readonly locale: Locale = DEFAULT_LOCALE) {
    this.catalog = CATALOGS[isLocale(locale) ? locale : DEFAULT_LOCALE];
    this.plural = new Intl.PluralRules(this.locale);
    this.dates = new Intl.DateTimeFormat(this.locale === 'en' ? 'en-GB' : this.locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
  }

  /** The sentence for `key` with each `{name}` replaced by `params[name]` (left as is when not given). */
  t(key: MessageKey, params: MessageParams = {}): string {
    return fill(this.catalog[key], params);
  }

  /**
   * A duration in words, in the largest unit that divides it (24 hours → "1 day", 90 minutes →
   * "90 minutes"); rounded up to whole minutes.
   */
  duration(ms: number): string {
    const minutes = Math.max(1, Math.ceil(ms / MINUTE_MS));
    if (minutes % (DAY_MS / MINUTE_MS) === 0) return this.count('duration.days', minutes / (DAY_MS / MINUTE_MS));
    if (minutes % (HOUR_MS / MINUTE_MS) === 0) return this.count('duration.hours', minutes / (HOUR_MS / MINUTE_MS));
    return this.count('duration.minutes', minutes);
  }

  /** A date and time in UTC, written the way the language writes it, e.g. "30 November 2026 at 21:05 UTC". */
  dateTime(date: Date): string {
    return `${this.dates.format(date)} UTC`;
  }

  private count(prefix: 'duration.days' | 'duration.hours' | 'duration.minutes', n: number): string {
    const form = this.plural.select(n) === 'one' ? 'one' : 'other';
    return this.t(`${prefix}.${form}`, { n });
  }
}

const cache = new Map<Locale, Messages>();

/** The shared, immutable Messages of a language. */
export function messagesFor(locale: Locale | string | null | undefined): Messages {
  const id = isLocale(locale) ? locale : DEFAULT_LOCALE;
  let m = cache.get(id);
  if (!m) cache.set(id, (m = new Messages(id)));
  return m;
}

function fill(template: string, params: MessageParams): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole));
}

/** The `{name}` placeholders of a sentence, sorted: each language must use the same ones. */
export function placeholdersOf(sentence: string): string[] {
  return [...sentence.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
}
