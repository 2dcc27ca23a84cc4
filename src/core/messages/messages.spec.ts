import { SUPPORTED_LOCALES } from '../../ground/common/locale';
import { en } from './en';
import { CATALOGS, messagesFor, placeholdersOf } from './messages';

describe('message catalog', () => {
  const keys = Object.keys(en).sort();

  it.each(SUPPORTED_LOCALES.filter((l) => l !== 'en'))('%s has every key of the English catalog and no other', (locale) => {
    expect(Object.keys(CATALOGS[locale]).sort()).toEqual(keys);
  });

  it.each(SUPPORTED_LOCALES.filter((l) => l !== 'en'))('%s uses the same {placeholders} as English in every sentence, and none is empty', (locale) => {
    for (const key of keys) {
      const sentence = (CATALOGS[locale] as Record<string, string>)[key];
      expect({ key, sentence: sentence.trim().length > 0, placeholders: placeholdersOf(sentence) }).toEqual({
        key, sentence: true, placeholders: placeholdersOf((en as Record<string, string>)[key]),
      });
    }
  });

  it('German differs from English in the sentences a person reads (the catalog really is translated)', () => {
    const same = keys.filter((k) => (CATALOGS.de as Record<string, string>)[k] === (en as Record<string, string>)[k]);
    expect(same).toEqual([]);
  });

  it('fills placeholders and leaves unknown ones as they are', () => {
    expect(messagesFor('en').t('rules.minLength', { min: 12 })).toBe('be at least 12 characters long');
    expect(messagesFor('en').t('rules.minLength')).toBe('be at least {min} characters long');
  });

  it('writes durations in the largest whole unit, with plural forms per language', () => {
    const en = messagesFor('en');
    const de = messagesFor('de');
    expect(en.duration(15 * 60_000)).toBe('15 minutes');
    expect(en.duration(60_000)).toBe('1 minute');
    expect(en.duration(60 * 60_000)).toBe('1 hour');
    expect(en.duration(72 * 3_600_000)).toBe('3 days');
    expect(en.duration(90 * 60_000)).toBe('90 minutes');
    expect(de.duration(24 * 3_600_000)).toBe('1 Tag');
    expect(de.duration(72 * 3_600_000)).toBe('3 Tagen');
    expect(de.duration(30 * 60_000)).toBe('30 Minuten');
  });

  it('writes dates in UTC in the language of the reader', () => {
    const when = new Date('2026-11-30T21:05:00Z');
    expect(messagesFor('en').dateTime(when)).toBe('30 November 2026 at 21:05 UTC');
    expect(messagesFor('de').dateTime(when)).toMatch(/^30\. November 2026 um 21:05 UTC$/);
  });

  it('falls back to English for an unknown language', () => {
    expect(messagesFor('fr').locale).toBe('en');
    expect(messagesFor(null).locale).toBe('en');
  });
});
