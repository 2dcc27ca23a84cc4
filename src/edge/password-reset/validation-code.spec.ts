import { randomUUID } from 'node:crypto';
import { randomToken } from '../../ground/common/secrets';
import { clientKey } from '../../ground/common/client-ip';
import { composeValidationCode, parseValidationCode } from './validation-code';

describe('D4 validation code', () => {
  it('round-trips selector and verifier', () => {
    const id = randomUUID();
    const verifier = randomToken(32);
    const code = composeValidationCode(id, verifier);
    expect(code).toMatch(/^[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$/);
    expect(parseValidationCode(code)).toEqual({ tokenId: id, verifier });
  });

  it('refuses anything not shaped like a code', () => {
    const good = composeValidationCode(randomUUID(), randomToken(32));
    for (const bad of ['', 'abc', good.replace('.', ''), `${good}x`, `g${good.slice(1)}`, good.replace('.', '-'), `${good.slice(0, 33)}${'!'.repeat(43)}`]) {
      expect(parseValidationCode(bad)).toBeNull();
    }
  });
});

describe('clientKey', () => {
  it('unwraps IPv4-mapped addresses and counts IPv6 clients per /64', () => {
    expect(clientKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(clientKey('10.1.2.3')).toBe('10.1.2.3');
    expect(clientKey('2001:db8:1:2:3:4:5:6')).toBe('2001:0db8:0001:0002::/64');
    expect(clientKey('2001:db8:1:2::9')).toBe(clientKey('2001:db8:1:2:ffff::1'));
    expect(clientKey('2001:db8::1')).toBe('2001:0db8:0000:0000::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0000:0000:0000::/64');
    expect(clientKey(undefined)).toBe('unknown');
  });
});
