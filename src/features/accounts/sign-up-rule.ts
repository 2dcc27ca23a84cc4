import { domainToASCII } from 'node:url';

/** An account's self sign-up settings (CONTRACT.md "No escalation"; default closed). */
export interface SignUpSettings {
  selfSignUp: boolean;
  /** Email domains, lower case and punycode (normalizeSignUpDomain). */
  signUpDomains: readonly string[];
}

export const CLOSED_SIGN_UP: SignUpSettings = { selfSignUp: false, signUpDomains: [] };

/** A domain as stored and compared: trimmed, lower case, IDN as punycode; '' when it is not a domain name. */
export function normalizeSignUpDomain(domain: string): string {
  return domainToASCII(domain.trim().replace(/\.$/, '').toLowerCase());
}

/**
 * May this address join the account by POST /auth/signup? When the account allows self sign-up, or the
 * address's domain is exactly one of its domains (a subdomain is another domain: `eu.acme.example` does
 * not match `acme.example`).
 */
export function allowsSignUp(settings: SignUpSettings, email: string): boolean {
  if (settings.selfSignUp) return true;
  const at = email.lastIndexOf('@');
  if (at < 0) return false;
  const domain = normalizeSignUpDomain(email.slice(at + 1));
  return domain !== '' && settings.signUpDomains.includes(domain);
}
