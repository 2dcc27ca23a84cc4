import { embeddedIPv4, isPublicAddress, parseTargetUrl, resolveTarget, TargetRefusedError, type HostLookup } from './webhook-target';

/** A resolver that knows a few names, as a test's DNS. */
const dns = (table: Record<string, string[]>): HostLookup => async (host) => {
  const answer = table[host];
  if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};
const refusal = async (work: () => Promise<unknown> | unknown): Promise<string> => {
  try {
    await work();
  } catch (error) {
    if (error instanceof TargetRefusedError) return error.reason;
    throw error;
  }
  return 'accepted';
};

describe('webhook targets: SSRF rules (CONTRACT.md "Webhooks")', () => {
  it('refuses loopback, RFC 1918, CGNAT, "this network", link-local and the cloud metadata address, multicast and reserved IPv4', () => {
    for (const address of ['127.0.0.1', '127.255.255.254', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '100.127.255.255',
      '0.0.0.0', '0.1.2.3', '169.254.169.254', '169.254.0.1', '192.0.0.170', '198.18.0.1', '224.0.0.1', '239.255.255.250', '240.0.0.1', '255.255.255.255']) {
      expect([address, isPublicAddress(address)]).toEqual([address, false]);
    }
  });

  it('refuses ::1, ::, fe80::/10, fc00::/7 (fc and fd), multicast, and IPv6 addresses that carry a private IPv4 (mapped, NAT64, 6to4)', () => {
    for (const address of ['::1', '::', 'fe80::1', 'febf::ffff', 'fc00::1', 'fd12:3456:789a::1', 'ff02::1', 'fec0::1',
      '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '64:ff9b::a9fe:a9fe', '64:ff9b::10.1.2.3',
      '2002:7f00:1::1', '2002:c0a8:101::', '::127.0.0.1', 'fe80::1%eth0']) {
      expect([address, isPublicAddress(address)]).toEqual([address, false]);
    }
  });

  it('accepts public unicast addresses, also inside IPv4-mapped, NAT64 and 6to4 forms', () => {
    for (const address of ['93.184.215.14', '8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '169.253.255.255', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e',
      '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1']) {
      expect([address, isPublicAddress(address)]).toEqual([address, true]);
    }
    expect(isPublicAddress('not-an-address')).toBe(false);
  });

  it('reads the IPv4 address inside an IPv6 one', () => {
    expect(embeddedIPv4('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(embeddedIPv4('64:ff9b::a9fe:a9fe')).toBe('169.254.169.254');
    expect(embeddedIPv4('2002:a00:1::')).toBe('10.0.0.1');
    expect(embeddedIPv4('2606:4700:4700::1111')).toBeNull();
  });

  it('only https:// (http:// too when private targets are allowed), no credentials, no fragment, at most 2048 characters', async () => {
    expect(await refusal(() => parseTargetUrl('http://hooks.example.com/x', false))).toBe('scheme');
    expect(await refusal(() => parseTargetUrl('http://hooks.example.com/x', true))).toBe('accepted');
    for (const url of ['ftp://hooks.example.com/', 'file:///etc/passwd', 'gopher://127.0.0.1:25/', 'javascript:alert(1)']) expect([url, await refusal(() => parseTargetUrl(url, true))]).toEqual([url, 'scheme']);
    for (const url of ['not a url', '/relative', 'https://user:pass@hooks.example.com/', 'https://user@hooks.example.com/', 'https://hooks.example.com/#frag', `https://hooks.example.com/${'a'.repeat(2048)}`]) {
      expect([url, await refusal(() => parseTargetUrl(url, false))]).toEqual([url, 'malformed']);
    }
    const longest = `https://hooks.example.com/${'a'.repeat(2048 - 'https://hooks.example.com/'.length)}`;
    expect(longest).toHaveLength(2048);
    expect(await refusal(() => parseTargetUrl(longest, false))).toBe('accepted');
    expect(await refusal(() => parseTargetUrl(`${longest}a`, false))).toBe('malformed');
  });

  it('IP literals in any spelling are judged by the address they mean (2130706433, 0x7f.1, [::ffff:127.0.0.1])', async () => {
    const none = dns({});
    for (const url of ['https://127.0.0.1/', 'https://2130706433/', 'https://0x7f.1/', 'https://0177.0.0.1/', 'https://[::1]/', 'https://[::ffff:127.0.0.1]:8443/', 'https://[fd00::1]/',
      'https://169.254.169.254/latest/meta-data/', 'https://10.1.2.3/', 'https://192.168.0.10/', 'https://[fe80::1]/']) {
      expect([url, await refusal(() => resolveTarget(parseTargetUrl(url, false), none, false))]).toEqual([url, 'private_address']);
    }
    expect(await refusal(() => resolveTarget(parseTargetUrl('https://93.184.215.14/hook', false), none, false))).toBe('accepted');
  });

  it('a name is refused when any of its addresses is private (localhost, a name pointing at 127.0.0.1 or the metadata service, one bad address among good ones)', async () => {
    const lookup = dns({
      localhost: ['127.0.0.1', '::1'],
      'internal.example.com': ['10.20.30.40'],
      'metadata.example.com': ['169.254.169.254'],
      'mixed.example.com': ['93.184.215.14', '192.168.1.5'],
      'v6.example.com': ['fd00::5'],
      'public.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
    });
    for (const host of ['localhost', 'internal.example.com', 'metadata.example.com', 'mixed.example.com', 'v6.example.com']) {
      expect([host, await refusal(() => resolveTarget(parseTargetUrl(`https://${host}/hook`, false), lookup, false))]).toEqual([host, 'private_address']);
    }
    expect(await refusal(() => resolveTarget(parseTargetUrl('https://nowhere.example.com/', false), lookup, false))).toBe('unresolvable');
    const ok = await resolveTarget(parseTargetUrl('https://public.example.com/hook', false), lookup, false);
    expect(ok).toMatchObject({ host: 'public.example.com', address: '93.184.215.14', family: 4 });
  });

  it('WEBHOOK_ALLOW_PRIVATE_TARGETS: every address is allowed, still pinned to the one resolved', async () => {
    const ok = await resolveTarget(parseTargetUrl('http://localhost:8080/hook', true), dns({ localhost: ['127.0.0.1'] }), true);
    expect(ok).toMatchObject({ host: 'localhost', address: '127.0.0.1', family: 4 });
    expect(await resolveTarget(parseTargetUrl('http://[::1]:8080/', true), dns({}), true)).toMatchObject({ address: '::1', family: 6 });
  });
});
