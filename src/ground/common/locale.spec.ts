import { negotiateLocale, SUPPORTED_LOCALES } from './locale';

describe('negotiateLocale', () => {
  it('lists en and de', () => {
    expect(SUPPORTED_LOCALES).toEqual(['en', 'de']);
  });

  it("the user's own locale wins over the header", () => {
    expect(negotiateLocale('en-US,en;q=0.9', 'de')).toBe('de');
    expect(negotiateLocale(undefined, 'en')).toBe('en');
  });

  it('ignores an unsupported own locale and falls back to the header', () => {
    expect(negotiateLocale('de-DE', 'fr')).toBe('de');
    expect(negotiateLocale('de-DE', null)).toBe('de');
    expect(negotiateLocale('de-DE', '')).toBe('de');
  });

  it('matches by primary subtag, case-insensitively', () => {
    expect(negotiateLocale('de-AT')).toBe('de');
    expect(negotiateLocale('DE-ch')).toBe('de');
    expect(negotiateLocale('en-GB')).toBe('en');
  });

  it('picks the highest q-weight among supported languages', () => {
    expect(negotiateLocale('fr-FR,fr;q=0.9,en;q=0.5,de;q=0.8')).toBe('de');
    expect(negotiateLocale('en;q=0.2, de;q=0.7')).toBe('de');
    expect(negotiateLocale('fr, de;q=0.1')).toBe('de');
  });

  it('keeps the header order on equal weights', () => {
    expect(negotiateLocale('de, en')).toBe('de');
    expect(negotiateLocale('en, de')).toBe('en');
  });

  it('treats q=0 as "not this one" and skips malformed entries', () => {
    expect(negotiateLocale('de;q=0, en;q=0.1')).toBe('en');
    expect(negotiateLocale('de;q=0')).toBe('en');
    expect(negotiateLocale('de;q=abc, *')).toBe('en');
    expect(negotiateLocale('d e, <script>')).toBe('en');
  });

  it('defaults to en without a header or a supported language', () => {
    expect(negotiateLocale(undefined)).toBe('en');
    expect(negotiateLocale('')).toBe('en');
    expect(negotiateLocale('fr-FR, ja;q=0.5, *;q=0.1')).toBe('en');
  });

  it('reads a bounded number of entries of a huge header', () => {
    expect(negotiateLocale(`${'fr,'.repeat(100_000)}de`)).toBe('en');
  });
});
