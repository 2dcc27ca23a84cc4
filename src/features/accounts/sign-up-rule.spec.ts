import { allowsSignUp, CLOSED_SIGN_UP, normalizeSignUpDomain } from './sign-up-rule';

describe('self sign-up into an account (CONTRACT.md "No escalation")', () => {
  it('is closed by default', () => {
    expect(allowsSignUp(CLOSED_SIGN_UP, 'ada@acme.example')).toBe(false);
  });

  it('selfSignUp opens it to every address', () => {
    expect(allowsSignUp({ selfSignUp: true, signUpDomains: [] }, 'anyone@elsewhere.example')).toBe(true);
  });

  it('signUpDomains opens it to addresses of exactly those domains, in any case, IDNs compared as punycode', () => {
    const settings = { selfSignUp: false, signUpDomains: ['acme.example', normalizeSignUpDomain('bücher.example')] };
    expect(allowsSignUp(settings, 'ada@acme.example')).toBe(true);
    expect(allowsSignUp(settings, 'Ada@ACME.Example')).toBe(true);
    expect(allowsSignUp(settings, 'leser@BÜCHER.example')).toBe(true);
    expect(allowsSignUp(settings, 'eve@eu.acme.example')).toBe(false);
    expect(allowsSignUp(settings, 'eve@acme.example.evil')).toBe(false);
    expect(allowsSignUp(settings, 'eve@notacme.example')).toBe(false);
    expect(allowsSignUp(settings, 'no-at-sign')).toBe(false);
  });

  it('normalizes domains: trimmed, lower case, without a trailing dot, punycode; not a domain gives ""', () => {
    expect(normalizeSignUpDomain(' Acme.Example. ')).toBe('acme.example');
    expect(normalizeSignUpDomain('bücher.example')).toBe('xn--bcher-kva.example');
    expect(normalizeSignUpDomain('exa mple')).toBe('');
  });
});
