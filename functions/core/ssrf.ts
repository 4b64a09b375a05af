/**
 * The SSRF guard: which webhook targets wirefeed may connect to. Pure; the HTTP sender applies
 * `findRefusedAddress` to every address a host name resolves to, at connect time.
 */
import { maskCredentials } from './display.ts';
import { UnsafeTargetError } from './errors.ts';

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

interface Range {
  readonly base: number;
  readonly bits: number;
  readonly reason: string;
}

function v4(text: string, bits: number, reason: string): Range {
  return { base: packIpv4(text.split('.').map(Number)), bits, reason };
}

/** IPv4 special-purpose blocks (IANA registry) that are never a public webhook endpoint. */
const IPV4_BLOCKED: readonly Range[] = [
  v4('0.0.0.0', 8, 'unspecified ("this network")'),
  v4('10.0.0.0', 8, 'private (RFC 1918)'),
  v4('100.64.0.0', 10, 'carrier-grade NAT (RFC 6598)'),
  v4('127.0.0.0', 8, 'loopback'),
  v4('169.254.0.0', 16, 'link-local (incl. cloud metadata)'),
  v4('172.16.0.0', 12, 'private (RFC 1918)'),
  v4('192.0.0.0', 24, 'reserved (IETF protocol assignments)'),
  v4('192.0.2.0', 24, 'reserved (documentation)'),
  v4('192.88.99.0', 24, 'reserved (6to4 relay anycast)'),
  v4('192.168.0.0', 16, 'private (RFC 1918)'),
  v4('198.18.0.0', 15, 'reserved (benchmarking)'),
  v4('198.51.100.0', 24, 'reserved (documentation)'),
  v4('203.0.113.0', 24, 'reserved (documentation)'),
  v4('224.0.0.0', 4, 'multicast'),
  v4('240.0.0.0', 4, 'reserved (incl. broadcast)'),
];

function packIpv4(octets: readonly number[]): number {
  return (((octets[0] ?? 0) << 24) | ((octets[1] ?? 0) << 16) | ((octets[2] ?? 0) << 8) | (octets[3] ?? 0)) >>> 0;
}

function inRange(value: number, range: Range): boolean {
  if (range.bits === 0) return true;
  const shift = 32 - range.bits;
  return value >>> shift === range.base >>> shift;
}

/** Strict dotted-quad (what a resolver returns and what WHATWG URL parsing canonicalizes every spelling to). */
function parseDottedQuad(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const octets: number[] = [];
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    octets.push(n);
  }
  return packIpv4(octets);
}

/** Eight 16-bit groups, or null. Accepts `::` compression, a trailing dotted quad and a `%zone`. */
function parseIpv6(text: string): number[] | null {
  const zone = text.indexOf('%');
  let rest = zone === -1 ? text : text.slice(0, zone);
  if (rest === '' || !/^[0-9A-Fa-f:.]+$/.test(rest)) return null;
  let tail: number[] = [];
  const lastColon = rest.lastIndexOf(':');
  if (rest.includes('.')) {
    const quad = parseDottedQuad(rest.slice(lastColon + 1));
    if (quad === null || lastColon === -1) return null;
    tail = [quad >>> 16, quad & 0xffff];
    rest = rest.slice(0, lastColon + 1);
    // Keep a `::` that directly precedes the quad; drop the single separator colon otherwise.
    if (!rest.endsWith('::')) rest = rest.slice(0, -1);
  }
  const halves = rest.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (half: string | undefined): number[] | null => {
    if (half === undefined || half === '') return [];
    const groups: number[] = [];
    for (const group of half.split(':')) {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(group)) return null;
      groups.push(Number.parseInt(group, 16));
    }
    return groups;
  };
  const head = parseGroups(halves[0]);
  const after = parseGroups(halves[1]);
  if (head === null || after === null) return null;
  const explicit = head.length + after.length + tail.length;
  if (halves.length === 1) {
    if (explicit !== 8) return null;
    return [...head, ...tail];
  }
  if (explicit > 7) return null;
  return [...head, ...new Array<number>(8 - explicit).fill(0), ...after, ...tail];
}

function classifyIpv4(value: number): AddressVerdict {
  for (const range of IPV4_BLOCKED) {
    if (inRange(value, range)) return { allowed: false, reason: range.reason };
  }
  return { allowed: true };
}

function embeddedIpv4(groups: readonly number[], at: number): number {
  return (((groups[at] ?? 0) << 16) | (groups[at + 1] ?? 0)) >>> 0;
}

function within(groups: readonly number[], prefix: readonly number[], bits: number): boolean {
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if (((groups[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

function classifyIpv6(g: readonly number[]): AddressVerdict {
  const deny = (reason: string): AddressVerdict => ({ allowed: false, reason });
  const viaIpv4 = (label: string, at: number): AddressVerdict => {
    const verdict = classifyIpv4(embeddedIpv4(g, at));
    return verdict.allowed ? verdict : deny(`${label} of ${verdict.reason}`);
  };
  if (g.every((x) => x === 0)) return deny('unspecified');
  if (within(g, [0, 0, 0, 0, 0, 0, 0, 1], 128)) return deny('loopback');
  // Forms that carry an IPv4 address are judged by the address they reach.
  if (within(g, [0, 0, 0, 0, 0, 0xffff], 96)) return viaIpv4('IPv4-mapped form', 6);
  if (within(g, [0, 0, 0, 0, 0xffff, 0], 96)) return viaIpv4('IPv4-translated form', 6);
  if (within(g, [0x64, 0xff9b], 96)) return viaIpv4('NAT64 form', 6);
  if (within(g, [0x2002], 16)) return viaIpv4('6to4 form', 1);
  if (within(g, [0, 0, 0, 0, 0, 0], 96)) return deny('reserved (IPv4-compatible)');
  if (within(g, [0x64, 0xff9b, 1], 48)) return deny('reserved (local-use NAT64)');
  if (within(g, [0x100], 64)) return deny('reserved (discard-only)');
  if (within(g, [0x2001, 0xdb8], 32)) return deny('reserved (documentation)');
  if (within(g, [0x3fff], 20)) return deny('reserved (documentation)');
  if (within(g, [0x2001], 23)) return deny('reserved (IETF protocol assignments, incl. Teredo)');
  if (within(g, [0xfc00], 7)) return deny('unique local (ULA)');
  if (within(g, [0xfe80], 10)) return deny('link-local');
  if (within(g, [0xfec0], 10)) return deny('site-local (deprecated)');
  if (within(g, [0xff00], 8)) return deny('multicast');
  // Only global unicast (2000::/3) is routable on the public internet; everything else is reserved.
  if (!within(g, [0x2000], 3)) return deny('reserved (outside global unicast)');
  return { allowed: true };
}

/**
 * Whether wirefeed may connect to an IP address: public unicast only. Refuses loopback, RFC 1918, link-local
 * (169.254.169.254 included), CGNAT, multicast, reserved, unspecified, IPv6 ULA/link-local and every IPv6 form
 * that embeds one of those IPv4 addresses (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4).
 * Anything that does not parse as an address is refused.
 */
export function classifyAddress(ip: string): AddressVerdict {
  const text = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const quad = parseDottedQuad(text);
  if (quad !== null) return classifyIpv4(quad);
  const groups = text.includes(':') ? parseIpv6(text) : null;
  if (groups !== null) return classifyIpv6(groups);
  return { allowed: false, reason: 'not an IP address' };
}

/** The cloud metadata endpoints: refused even for local development, which never needs them. */
export function isMetadataAddress(ip: string): boolean {
  const text = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (text === '169.254.169.254' || text === '169.254.170.2') return true;
  const groups = text.includes(':') ? parseIpv6(text) : null;
  if (groups === null) return false;
  if (within(groups, [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254], 128)) return true;
  if (within(groups, [0, 0, 0, 0, 0, 0xffff], 96) || within(groups, [0x64, 0xff9b], 96)) {
    const inner = embeddedIpv4(groups, 6);
    return inner === packIpv4([169, 254, 169, 254]) || inner === packIpv4([169, 254, 170, 2]);
  }
  return false;
}

export interface TargetCheckOptions {
  /** Local development: allow http:, any port, and private/loopback addresses. Never the default. */
  readonly allowPrivateTargets: boolean;
}

export interface CheckedTarget {
  /** Host name as WHATWG URL canonicalizes it (IPv6 without brackets). */
  readonly host: string;
  readonly port: number;
  /** The host when it is an IP literal (any spelling, canonicalized), else null. */
  readonly ipLiteral: string | null;
}

/**
 * Checks a webhook URL before any connection: `https:` on the default port, no credentials, and an IP-literal
 * host only when it is a public address. IP literals are recognised in every spelling the URL standard accepts
 * (`2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1`, `[::ffff:127.0.0.1]`) because parsing canonicalizes them.
 * Host names are checked again, address by address, when the sender resolves them.
 * @throws UnsafeTargetError naming the reason (with the URL's credentials masked); `privateTarget` is set when
 *   `allowPrivateTargets` would have let the URL through.
 */
export function checkTargetUrl(url: string, options: TargetCheckOptions): CheckedTarget {
  const shown = maskCredentials(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UnsafeTargetError(shown, 'not an absolute URL');
  }
  const refuse = (reason: string, privateTarget = false): never => {
    throw new UnsafeTargetError(shown, reason, { privateTarget });
  };
  if (parsed.username !== '' || parsed.password !== '') refuse('credentials in the URL are not allowed');
  if (parsed.protocol === 'http:' && !options.allowPrivateTargets)
    refuse('scheme http: is not allowed (only https:)', true);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    refuse(`scheme ${parsed.protocol} is not allowed (only https:${options.allowPrivateTargets ? ' or http:' : ''})`);
  }
  if (parsed.port !== '' && !options.allowPrivateTargets)
    refuse(`port ${parsed.port} is not allowed (default only)`, true);
  const port = parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port);
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  if (host === '') refuse('no host');
  const isLiteral = parsed.hostname.startsWith('[') || parseDottedQuad(host) !== null;
  const ipLiteral = isLiteral ? host : null;
  if (ipLiteral !== null) {
    if (isMetadataAddress(ipLiteral)) refuse('cloud metadata address');
    if (!options.allowPrivateTargets) {
      const verdict = classifyAddress(ipLiteral);
      if (!verdict.allowed) refuse(`${ipLiteral} is ${verdict.reason}`, true);
    }
  } else if (!options.allowPrivateTargets && (host === 'localhost' || host.endsWith('.localhost'))) {
    refuse('localhost is loopback', true);
  }
  return { host, port, ipLiteral };
}

export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Resolves a host name to all of its addresses (the DNS port). Injectable so tests can play a rebinding server. */
export type ResolveHost = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** The first resolved address the guard refuses, with why; null when all are allowed. */
export function findRefusedAddress(
  addresses: readonly ResolvedAddress[],
  allowPrivateTargets: boolean,
): { address: string; reason: string } | null {
  for (const { address } of addresses) {
    if (isMetadataAddress(address)) return { address, reason: 'cloud metadata address' };
    if (allowPrivateTargets) continue;
    const verdict = classifyAddress(address);
    if (!verdict.allowed) return { address, reason: verdict.reason };
  }
  return null;
}

/**
 * The UnsafeTargetError for a host name whose resolved addresses the guard refuses, or null when none is refused.
 * Shared by the add-time check and the connect-time lookup so both say the same thing.
 */
export function refusedResolution(
  url: string,
  host: string,
  addresses: readonly ResolvedAddress[],
  allowPrivateTargets: boolean,
): UnsafeTargetError | null {
  const refused = findRefusedAddress(addresses, allowPrivateTargets);
  if (refused === null) return null;
  return new UnsafeTargetError(maskCredentials(url), `${host} resolves to ${refused.address}, ${refused.reason}`, {
    privateTarget: refused.reason !== 'cloud metadata address',
  });
}
