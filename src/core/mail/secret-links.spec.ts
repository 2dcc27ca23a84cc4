import { loadAppConfig } from '../../ground/config/app-config';
import { SecretLinks } from './secret-links';

describe('SecretLinks', () => {
  const sut = new SecretLinks(loadAppConfig({ PUBLIC_URL: 'https://id.example.org', RESET_LINK: 'https://app.example.com/reset?c={code}' }));

  it('builds the default links under PUBLIC_URL, the secret in the fragment', () => {
    expect(sut.build('invitation', 'tok_1', null)).toBe('https://id.example.org/set-password#token=tok_1');
    expect(sut.build('verification', 'ABCD2345', null)).toBe('https://id.example.org/verify-email#code=ABCD2345');
    expect(sut.build('recovery', 'sel.ver', null)).toBe('https://id.example.org/account/reset#validation_code=sel.ver');
  });

  it('uses a configured template', () => {
    expect(sut.build('reset', '123456', null)).toBe('https://app.example.com/reset?c=123456');
  });

  it("takes the account's own template first, kind by kind", () => {
    const account = { links: { invitation: 'https://acme.example/join/{code}', reset: null } };
    expect(sut.build('invitation', 'tok', account)).toBe('https://acme.example/join/tok');
    expect(sut.build('reset', '123456', account)).toBe('https://app.example.com/reset?c=123456');
    expect(sut.build('verification', 'C0DE', account)).toBe('https://id.example.org/verify-email#code=C0DE');
    expect(sut.build('verification', 'C0DE', { links: null })).toBe('https://id.example.org/verify-email#code=C0DE');
  });

  it('URL-encodes the secret', () => {
    expect(sut.build('invitation', 'a/b+c&d#e', null)).toBe('https://id.example.org/set-password#token=a%2Fb%2Bc%26d%23e');
  });
});
