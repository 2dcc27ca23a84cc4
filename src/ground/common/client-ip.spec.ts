import { clientAddress, clientKey } from './client-ip';

describe('clientAddress: one spelling of a client address for audit events and logs', () => {
  it('an IPv4 client of a dual-stack socket is written as IPv4', () => {
    expect(clientAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(clientAddress('::FFFF:203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddress('203.0.113.7')).toBe('203.0.113.7');
  });

  it('IPv6 in lower case without a zone; nothing is null; anything else is left for the caller to judge', () => {
    expect(clientAddress('2001:DB8::1')).toBe('2001:db8::1');
    expect(clientAddress('fe80::1%eth0')).toBe('fe80::1');
    expect(clientAddress('')).toBeNull();
    expect(clientAddress(undefined)).toBeNull();
    expect(clientAddress('1.2.3.4, 5.6.7.8')).toBe('1.2.3.4, 5.6.7.8');
  });

  it('the key a client is counted under starts from the same form (IPv4, or the /64 of IPv6)', () => {
    expect(clientKey('::ffff:10.1.2.3')).toBe(clientAddress('::ffff:10.1.2.3'));
    expect(clientKey('2001:DB8:0:1::5')).toBe('2001:0db8:0000:0001::/64');
  });
});
