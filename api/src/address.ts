// IP addresses as bytes: parsing (v4, v6, brackets, zone ids), CIDR matching and the class of an address
// (loopback, private, link-local, ...) that the callback destination policy decides on. Pure.

export interface IpAddress {
  readonly family: 4 | 6;
  /** 4 bytes for IPv4, 16 for IPv6. */
  readonly bytes: readonly number[];
}

export interface Cidr {
  readonly address: IpAddress;
  readonly prefixBits: number;
}

/**
 * What an address is, by the IANA special-purpose registries (RFC 6890 and successors). Only `public` is
 * reachable on the Internet; `reserved` covers documentation, benchmarking, discard and protocol ranges.
 */
export type AddressClass =
  'public' | 'private' | 'loopback' | 'link-local' | 'unspecified' | 'multicast' | 'broadcast' | 'reserved';

const DECIMAL_OCTET = /^(0|[1-9]\d{0,2})$/;

function parseIpv4(text: string): IpAddress | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => DECIMAL_OCTET.test(p) && Number(p) <= 255)) return undefined;
  return { family: 4, bytes: parts.map(Number) };
}

/** One `:`-separated part as 16-bit groups: a hex group, or (last on the line) an embedded dotted IPv4. */
function groupOf(part: string, ipv4Allowed: boolean): number[] | undefined {
  if (/^[0-9a-fA-F]{1,4}$/.test(part)) return [parseInt(part, 16)];
  const v4 = ipv4Allowed ? parseIpv4(part) : undefined;
  if (!v4) return undefined;
  const [a = 0, b = 0, c = 0, d = 0] = v4.bytes;
  return [(a << 8) | b, (c << 8) | d];
}

/** The 16-bit groups of one side of `::`, where the last may be an embedded dotted IPv4 address. */
function groupsOf(side: string, allowIpv4Tail: boolean): number[] | undefined {
  if (side === '') return [];
  const parts = side.split(':');
  const out: number[] = [];
  for (const [i, part] of parts.entries()) {
    const groups = groupOf(part, allowIpv4Tail && i === parts.length - 1);
    if (!groups) return undefined;
    out.push(...groups);
  }
  return out;
}

function parseIpv6(text: string): IpAddress | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const [head = '', tail] = halves;
  const left = groupsOf(head, tail === undefined);
  const right = tail === undefined ? [] : groupsOf(tail, true);
  if (!left || !right) return undefined;
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const groups = [...left, ...Array<number>(tail === undefined ? 0 : missing).fill(0), ...right];
  return { family: 6, bytes: groups.flatMap((g) => [g >> 8, g & 0xff]) };
}

/** Parses `1.2.3.4`, `::1`, `[::1]` or `fe80::1%eth0` (the zone is dropped); anything else is undefined. */
export function parseIp(text: string): IpAddress | undefined {
  const unbracketed = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = unbracketed.indexOf('%');
  const bare = zone < 0 ? unbracketed : unbracketed.slice(0, zone);
  return bare.includes(':') ? parseIpv6(bare) : parseIpv4(bare);
}

/** `::ffff:a.b.c.d` is the IPv4 address a.b.c.d on a dual-stack socket, so it is matched and classed as one. */
export function unmapIpv4(ip: IpAddress): IpAddress {
  if (ip.family !== 6) return ip;
  const isMapped =
    ip.bytes.slice(0, 10).every((b) => b === 0) && ip.bytes[10] === 0xff && ip.bytes[11] === 0xff;
  return isMapped ? { family: 4, bytes: ip.bytes.slice(12) } : ip;
}

/** Parses `10.0.0.0/8`, `fd00::/8`, or a single address (all its bits). */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const address = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!address) return undefined;
  const maxBits = address.bytes.length * 8;
  const bitsText = slash < 0 ? String(maxBits) : text.slice(slash + 1);
  const prefixBits = Number(bitsText);
  if (!/^\d{1,3}$/.test(bitsText) || prefixBits > maxBits) return undefined;
  return { address, prefixBits };
}

function prefixMatches(ip: IpAddress, cidr: Cidr): boolean {
  if (ip.family !== cidr.address.family) return false;
  for (let bit = 0; bit < cidr.prefixBits; bit += 8) {
    const i = bit / 8;
    const take = Math.min(8, cidr.prefixBits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((ip.bytes[i] ?? 0) & mask) !== ((cidr.address.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** A range within ::ffff:0:0/96 is the IPv4 range it maps (`::ffff:127.0.0.0/104` is `127.0.0.0/8`). */
function unmapCidr(cidr: Cidr): Cidr {
  const address = unmapIpv4(cidr.address);
  if (address === cidr.address || cidr.prefixBits < 96) return cidr;
  return { address, prefixBits: cidr.prefixBits - 96 };
}

/** Whether `ip` lies in `cidr`; an IPv4-mapped IPv6 address matches IPv4 ranges and vice versa. */
export const inCidr = (ip: IpAddress, cidr: Cidr): boolean => prefixMatches(unmapIpv4(ip), unmapCidr(cidr));

const ranges = (rows: readonly (readonly [string, AddressClass])[]): readonly [Cidr, AddressClass][] =>
  rows.map(([text, cls]) => {
    const cidr = parseCidr(text);
    if (!cidr) throw new Error(`bad built-in range ${text}`);
    return [cidr, cls];
  });

/** First match wins; an IPv4 address in none of them is public. */
const IPV4_RANGES = ranges([
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'private'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'reserved'],
  ['192.88.99.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'],
  ['198.51.100.0/24', 'reserved'],
  ['203.0.113.0/24', 'reserved'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
]);

/** First match wins; only global unicast (2000::/3) outside these is public. */
const IPV6_RANGES = ranges([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/96', 'reserved'],
  ['64:ff9b:1::/48', 'private'],
  ['100::/64', 'reserved'],
  ['2001:db8::/32', 'reserved'],
  ['2001::/23', 'reserved'],
  ['fc00::/7', 'private'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'private'],
  ['ff00::/8', 'multicast'],
]);

const NAT64 = parseCidr('64:ff9b::/96');
const SIX_TO_FOUR = parseCidr('2002::/16');
const GLOBAL_UNICAST = parseCidr('2000::/3');

/** The IPv4 address inside a NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address: it is where packets go. */
function embeddedIpv4(ip: IpAddress): IpAddress | undefined {
  if (NAT64 && prefixMatches(ip, NAT64)) return { family: 4, bytes: ip.bytes.slice(12) };
  if (SIX_TO_FOUR && prefixMatches(ip, SIX_TO_FOUR)) return { family: 4, bytes: ip.bytes.slice(2, 6) };
  return undefined;
}

export function classifyAddress(address: IpAddress): AddressClass {
  const ip = unmapIpv4(address);
  if (ip.family === 4) return IPV4_RANGES.find(([cidr]) => prefixMatches(ip, cidr))?.[1] ?? 'public';
  const embedded = embeddedIpv4(ip);
  if (embedded) return classifyAddress(embedded);
  const listed = IPV6_RANGES.find(([cidr]) => prefixMatches(ip, cidr))?.[1];
  if (listed) return listed;
  return GLOBAL_UNICAST && prefixMatches(ip, GLOBAL_UNICAST) ? 'public' : 'reserved';
}

/** The canonical text of an address (IPv4 dotted, IPv6 lower-case hex groups without compression). */
export const formatIp = (ip: IpAddress): string =>
  ip.family === 4
    ? ip.bytes.join('.')
    : Array.from({ length: 8 }, (_, i) =>
        (((ip.bytes[2 * i] ?? 0) << 8) | (ip.bytes[2 * i + 1] ?? 0)).toString(16),
      ).join(':');
