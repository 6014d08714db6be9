// Where callbacks may go: SPOOL_CALLBACK_ALLOW parsed into a policy, and the decision on one destination
// (its URL host and every address it resolved to). Pure; the gateway resolves and then connects to exactly the
// addresses decided on, so DNS cannot answer differently between the check and the connection.
import {
  classifyAddress,
  formatIp,
  inCidr,
  parseCidr,
  parseIp,
  type AddressClass,
  type Cidr,
  type IpAddress,
  unmapIpv4,
} from './address.js';

export interface CallbackPolicy {
  /** The entries as written, for messages. */
  readonly entries: readonly string[];
  /** Address classes allowed by keyword: `public`, `private`, `loopback`. */
  readonly classes: readonly AddressClass[];
  readonly allowCidrs: readonly Cidr[];
  /** `hooks.example.com` or `*.example.com` (any subdomain). */
  readonly allowHosts: readonly string[];
  /** Entries written `!CIDR` or `!host`: refused even where another entry allows. */
  readonly denyCidrs: readonly Cidr[];
  readonly denyHosts: readonly string[];
}

const KEYWORDS: Readonly<Record<string, AddressClass>> = {
  public: 'public',
  private: 'private',
  loopback: 'loopback',
};

/**
 * A host pattern lets its host reach unicast addresses of these classes; link-local (cloud metadata at
 * 169.254.169.254), unspecified, multicast, broadcast and reserved addresses need an explicit CIDR.
 */
const HOST_PATTERN_CLASSES: ReadonlySet<AddressClass> = new Set(['public', 'private', 'loopback']);

const HOST_PATTERN = /^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The default: public addresses only, and loopback too where everything runs on one machine (local mode). */
export const defaultCallbackAllow = (localMode: boolean): readonly string[] =>
  localMode ? ['public', 'loopback'] : ['public'];

type Entry =
  | { readonly kind: 'class'; readonly value: AddressClass }
  | { readonly kind: 'cidr'; readonly value: Cidr; readonly deny: boolean }
  | { readonly kind: 'host'; readonly value: string; readonly deny: boolean };

function parseEntry(raw: string): Entry | undefined {
  const text = raw.trim().toLowerCase();
  const keyword = KEYWORDS[text];
  if (keyword) return { kind: 'class', value: keyword };
  const deny = text.startsWith('!');
  const body = deny ? text.slice(1) : text;
  const cidr = parseCidr(body);
  if (cidr) return { kind: 'cidr', value: cidr, deny };
  const host = body.replace(/\.$/, '');
  return HOST_PATTERN.test(host) && host.length <= 253 ? { kind: 'host', value: host, deny } : undefined;
}

/** Parses the entries of SPOOL_CALLBACK_ALLOW; returns the bad entry's text instead when one does not parse. */
export function parseCallbackPolicy(
  entries: readonly string[],
): { policy: CallbackPolicy } | { badEntry: string } {
  const parsed: Entry[] = [];
  for (const raw of entries) {
    if (raw.trim().toLowerCase() === 'none') continue;
    const entry = parseEntry(raw);
    if (!entry) return { badEntry: raw };
    parsed.push(entry);
  }
  const pick = <K extends Entry['kind'], V>(
    kind: K,
    deny: boolean,
    f: (e: Extract<Entry, { kind: K }>) => V,
  ): V[] =>
    parsed
      .filter(
        (e): e is Extract<Entry, { kind: K }> => e.kind === kind && (e.kind === 'class' || e.deny === deny),
      )
      .map(f);
  return {
    policy: {
      entries: Object.freeze([...entries]),
      classes: Object.freeze(pick('class', false, (e) => e.value)),
      allowCidrs: Object.freeze(pick('cidr', false, (e) => e.value)),
      allowHosts: Object.freeze(pick('host', false, (e) => e.value)),
      denyCidrs: Object.freeze(pick('cidr', true, (e) => e.value)),
      denyHosts: Object.freeze(pick('host', true, (e) => e.value)),
    },
  };
}

/** `*.example.com` matches `a.example.com` and `a.b.example.com`, not `example.com`; others match exactly. */
export function hostMatches(pattern: string, host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return pattern.startsWith('*.')
    ? h.endsWith(pattern.slice(1)) && h.length > pattern.length - 1
    : h === pattern;
}

export type CallbackVerdict =
  { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

const allow: CallbackVerdict = { allowed: true };
const refuse = (reason: string): CallbackVerdict => ({ allowed: false, reason });

function addressVerdict(
  policy: CallbackPolicy,
  host: string,
  hostAllowed: boolean,
  ip: IpAddress,
): CallbackVerdict {
  const cls = classifyAddress(ip);
  const text = formatIp(ip);
  if (policy.denyCidrs.some((c) => inCidr(ip, c)))
    return refuse(`${host} resolves to ${text}, which is denied`);
  if (policy.allowCidrs.some((c) => inCidr(ip, c))) return allow;
  if (policy.classes.includes(cls)) return allow;
  if (hostAllowed && HOST_PATTERN_CLASSES.has(cls)) return allow;
  return refuse(`${host} resolves to ${text} (${cls}), which SPOOL_CALLBACK_ALLOW does not allow`);
}

/**
 * Whether a callback may be sent to `host` (the URL's hostname) resolved to `addresses`: every address must be
 * allowed, so a name that resolves to one public and one loopback address is refused.
 */
export function decideCallbackDestination(
  policy: CallbackPolicy,
  host: string,
  addresses: readonly string[],
): CallbackVerdict {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (addresses.length === 0) return refuse(`${name} resolves to no address`);
  if (policy.denyHosts.some((p) => hostMatches(p, name))) return refuse(`${name} is denied`);
  const hostAllowed = parseIp(name) === undefined && policy.allowHosts.some((p) => hostMatches(p, name));
  for (const address of addresses) {
    const ip = parseIp(address);
    if (!ip) return refuse(`${name} resolves to ${address}, which is not an IP address`);
    const verdict = addressVerdict(policy, name, hostAllowed, ip);
    if (!verdict.allowed) return verdict;
  }
  return allow;
}

/** The gateway's own listening socket, as far as a callback could reach it. */
export interface SelfAddress {
  readonly port: number;
  /** The host's interface addresses; loopback and unspecified addresses always count as the host's own. */
  readonly addresses: readonly string[];
}

/** Whether a destination is this gateway itself (a callback into `/function` or `/system` from inside). */
export function isSelfDestination(self: SelfAddress, port: number, addresses: readonly string[]): boolean {
  if (port !== self.port) return false;
  const own = self.addresses.map(parseIp).filter((ip): ip is IpAddress => ip !== undefined);
  return addresses.some((address) => {
    const ip = parseIp(address);
    if (!ip) return false;
    const cls = classifyAddress(ip);
    if (cls === 'loopback' || cls === 'unspecified') return true;
    return own.some((o) => formatIp(unmapIpv4(o)) === formatIp(unmapIpv4(ip)));
  });
}
