import { describe, expect, it } from 'vitest';
import { UnsafeTargetError } from '../../functions/core/errors.ts';
import { checkTargetUrl, classifyAddress, findRefusedAddress, isMetadataAddress } from '../../functions/core/ssrf.ts';

const REFUSED: [string, RegExp][] = [
  ['0.0.0.0', /unspecified/],
  ['10.1.2.3', /private/],
  ['100.64.0.1', /carrier-grade NAT/],
  ['100.127.255.255', /carrier-grade NAT/],
  ['127.0.0.1', /loopback/],
  ['127.255.255.254', /loopback/],
  ['169.254.169.254', /link-local/],
  ['172.16.0.1', /private/],
  ['172.31.255.255', /private/],
  ['192.0.0.8', /reserved/],
  ['192.0.2.1', /documentation/],
  ['192.168.1.1', /private/],
  ['198.18.0.1', /benchmarking/],
  ['198.51.100.7', /documentation/],
  ['203.0.113.9', /documentation/],
  ['224.0.0.1', /multicast/],
  ['239.255.255.250', /multicast/],
  ['240.0.0.1', /reserved/],
  ['255.255.255.255', /reserved/],
  ['::', /unspecified/],
  ['::1', /loopback/],
  ['0:0:0:0:0:0:0:1', /loopback/],
  ['::ffff:127.0.0.1', /IPv4-mapped form of loopback/],
  ['::ffff:7f00:1', /IPv4-mapped form of loopback/],
  ['::ffff:10.0.0.1', /IPv4-mapped form of private/],
  ['::ffff:169.254.169.254', /IPv4-mapped form of link-local/],
  ['[::ffff:192.168.0.1]', /IPv4-mapped form of private/],
  ['64:ff9b::127.0.0.1', /NAT64 form of loopback/],
  ['64:ff9b::a9fe:a9fe', /NAT64 form of link-local/],
  ['64:ff9b:1::1', /local-use NAT64/],
  ['2002:7f00:1::', /6to4 form of loopback/],
  ['2002:c0a8:101::1', /6to4 form of private/],
  ['::127.0.0.1', /IPv4-compatible/],
  ['100::1', /discard/],
  ['2001::1', /Teredo/],
  ['2001:db8::1', /documentation/],
  ['fc00::1', /unique local/],
  ['fd12:3456::1', /unique local/],
  ['fe80::1', /link-local/],
  ['fe80::1%eth0', /link-local/],
  ['fec0::1', /site-local/],
  ['ff02::1', /multicast/],
  ['4000::1', /outside global unicast/],
  ['localhost', /not an IP address/],
  ['1.2.3', /not an IP address/],
  ['256.1.1.1', /not an IP address/],
  ['1:2:3', /not an IP address/],
  ['1::2::3', /not an IP address/],
];

const ALLOWED = [
  '8.8.8.8',
  '1.1.1.1',
  '100.63.255.255',
  '100.128.0.0',
  '172.32.0.1',
  '2606:4700:4700::1111',
  '::ffff:8.8.8.8',
  '64:ff9b::808:808',
  '2002:808:808::1',
];

describe('classifyAddress', () => {
  it.each(REFUSED)('refuses %s', (ip, reason) => {
    const verdict = classifyAddress(ip);
    expect(verdict.allowed).toBe(false);
    if (!verdict.allowed) expect(verdict.reason).toMatch(reason);
  });

  it.each(ALLOWED)('allows the public address %s', (ip) => {
    expect(classifyAddress(ip)).toEqual({ allowed: true });
  });
});

describe('checkTargetUrl', () => {
  const strict = { allowPrivateTargets: false };
  const refusal = (url: string, options = strict): string => {
    try {
      checkTargetUrl(url, options);
    } catch (error) {
      expect(error).toBeInstanceOf(UnsafeTargetError);
      return (error as Error).message;
    }
    throw new Error(`${url} was not refused`);
  };

  it('accepts https on the default port and reports host and port', () => {
    expect(checkTargetUrl('https://hooks.example.com/wirefeed?x=1', strict)).toEqual({
      host: 'hooks.example.com',
      port: 443,
      ipLiteral: null,
    });
    expect(checkTargetUrl('https://8.8.8.8/', strict)).toEqual({ host: '8.8.8.8', port: 443, ipLiteral: '8.8.8.8' });
  });

  it.each([
    ['https://2130706433/', /127\.0\.0\.1 is loopback/],
    ['https://0177.0.0.1/', /127\.0\.0\.1 is loopback/],
    ['https://0x7f.1/', /127\.0\.0\.1 is loopback/],
    ['https://0x7f000001/', /127\.0\.0\.1 is loopback/],
    ['https://127.1/', /127\.0\.0\.1 is loopback/],
    ['https://017700000001/', /127\.0\.0\.1 is loopback/],
    ['https://[::ffff:127.0.0.1]/', /IPv4-mapped form of loopback/],
    ['https://[::1]/', /loopback/],
    ['https://[0:0:0:0:0:0:0:1]/', /loopback/],
    ['https://[fe80::1]/', /link-local/],
    ['https://10.0.0.1/', /private/],
    ['https://0xa9.0xfe.0xa9.0xfe/', /metadata/],
    ['https://169.254.169.254/latest/meta-data/', /metadata/],
    ['https://2852039166/', /metadata/],
    ['https://[::ffff:a9fe:a9fe]/', /metadata/],
    ['https://localhost/', /localhost/],
    ['https://api.localhost/', /localhost/],
  ])('refuses the IP-literal or loopback host in %s', (url, reason) => {
    expect(refusal(url)).toMatch(reason);
  });

  it('refuses plain http, other ports, credentials, other schemes and junk', () => {
    expect(refusal('http://hooks.example.com/')).toMatch(/scheme http:/);
    expect(refusal('https://hooks.example.com:8443/')).toMatch(/port 8443/);
    expect(refusal('https://user:pass@hooks.example.com/')).toMatch(/credentials/);
    expect(refusal('https://user:pass@hooks.example.com/')).not.toContain('pass');
    expect(refusal('ftp://hooks.example.com/')).toMatch(/scheme ftp:/);
    expect(refusal('file:///etc/passwd')).toMatch(/scheme file:/);
    expect(refusal('not a url')).toMatch(/not an absolute URL/);
  });

  it('lets local development reach http on any port of loopback and private addresses, but never metadata', () => {
    const local = { allowPrivateTargets: true };
    expect(checkTargetUrl('http://127.0.0.1:8080/hook', local)).toEqual({
      host: '127.0.0.1',
      port: 8080,
      ipLiteral: '127.0.0.1',
    });
    expect(checkTargetUrl('http://localhost/hook', local).port).toBe(80);
    expect(checkTargetUrl('https://[::1]:9443/', local).ipLiteral).toBe('::1');
    expect(refusal('http://169.254.169.254/', local)).toMatch(/metadata/);
    expect(refusal('http://u:p@127.0.0.1:1/', local)).toMatch(/credentials/);
  });

  it('never echoes credentials, however the URL is spelled, even when it does not parse', () => {
    for (const url of ['https://us@er:secret@host/', 'https://user:pa/ss@host/', 'https://user:secret@10.0.0.1/']) {
      const message = refusal(url);
      expect(message).toMatch(/^refused webhook target https:\/\/\*\*\*@/);
      expect(message).not.toMatch(/secret|pa\/ss|us@er/);
    }
  });

  it('says which refusals only local development lifts (privateTarget), and which always stand', () => {
    const flagOf = (url: string): boolean | undefined => {
      try {
        checkTargetUrl(url, strict);
      } catch (error) {
        return (error as UnsafeTargetError).privateTarget;
      }
      return undefined;
    };
    for (const url of [
      'http://hooks.example.com/',
      'https://hooks.example.com:8443/',
      'https://127.1/',
      'https://localhost/',
    ]) {
      expect(flagOf(url), url).toBe(true);
    }
    for (const url of ['https://169.254.169.254/', 'https://u:p@hooks.example.com/', 'ftp://x/', 'not a url']) {
      expect(flagOf(url), url).toBe(false);
    }
    expect(
      findRefusedAddress(
        [
          { address: '93.184.215.14', family: 4 },
          { address: '10.1.2.3', family: 4 },
        ],
        false,
      ),
    ).toEqual({ address: '10.1.2.3', reason: 'private (RFC 1918)' });
    expect(findRefusedAddress([{ address: '10.1.2.3', family: 4 }], true)).toBeNull();
  });

  it('knows the cloud metadata addresses in their IPv6 spellings', () => {
    expect(isMetadataAddress('fd00:ec2::254')).toBe(true);
    expect(isMetadataAddress('64:ff9b::169.254.169.254')).toBe(true);
    expect(isMetadataAddress('169.254.169.253')).toBe(false);
  });
});
