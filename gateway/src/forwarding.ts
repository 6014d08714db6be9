// What crosses the gateway between a client and a function, decided without I/O: the request target after the
// function name as the client sent it, the headers toward the function, and the headers back to the client.
import { forwardableHeaders, outgoingHeaders, type HeaderValue } from '@spool/api';

/**
 * Splits `/function/echo/a/b?x=1` into the function's own path `/a/b` and query `x=1`, both exactly as the
 * client sent them (percent-encoding kept): `/function/%72eflect/x` gives `/x`, whatever the name decodes to.
 */
export function splitInvocationUrl(originalUrl: string, prefix: string): { path: string; query: string } {
  const q = originalUrl.indexOf('?');
  const pathname = q < 0 ? originalUrl : originalUrl.slice(0, q);
  const query = q < 0 ? '' : originalUrl.slice(q + 1);
  const at = pathname.indexOf(prefix);
  const afterPrefix = at < 0 ? '' : pathname.slice(at + prefix.length);
  const slash = afterPrefix.indexOf('/');
  return { path: slash < 0 ? '/' : afterPrefix.slice(slash), query };
}

/** What the gateway knows of the client connection, for the `X-Forwarded-*` headers. */
export interface ClientHop {
  /** The peer address of the client connection. */
  readonly remoteAddress: string | undefined;
  /** `http` or `https`, the scheme the gateway was reached with. */
  readonly protocol: string;
}

/** A header toward the function never carries these: the callback target is Spool's business, not the function's. */
const NOT_TO_FUNCTION = new Set(['x-callback-url']);

const appended = (prior: HeaderValue | undefined, value: string): string =>
  [...(prior === undefined ? [] : typeof prior === 'string' ? [prior] : prior), value].join(', ');

/**
 * The client's end-to-end headers for the function, with this hop appended to `X-Forwarded-For`, `-Proto`
 * and `-Host` (the de facto proxy headers; RFC 7239 names the same facts).
 */
export function headersToFunction(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  hop: ClientHop,
): Record<string, HeaderValue> {
  const host = headers['host'];
  const out = Object.fromEntries(
    Object.entries(forwardableHeaders(headers)).filter(([name]) => !NOT_TO_FUNCTION.has(name)),
  );
  out['x-forwarded-for'] = appended(out['x-forwarded-for'], hop.remoteAddress ?? 'unknown');
  out['x-forwarded-proto'] = appended(out['x-forwarded-proto'], hop.protocol);
  const hostValue = typeof host === 'string' ? host : host?.[0];
  if (hostValue !== undefined) out['x-forwarded-host'] = appended(out['x-forwarded-host'], hostValue);
  return out;
}

/** Headers only Spool sets on a response; a function's own are dropped so a client can trust them. */
export const isPlatformHeader = (name: string): boolean => {
  const lower = name.toLowerCase();
  return lower === 'x-call-id' || lower === 'x-duration-seconds' || lower.startsWith('x-spool-');
};

/**
 * The function's response headers for the client: end-to-end ones only, none that looks like Spool's, then
 * Spool's own (`X-Call-Id`, `X-Duration-Seconds`, and `X-Spool-Error` on a platform error) set last.
 */
export function headersToClient(
  functionHeaders: Readonly<Record<string, HeaderValue>>,
  platform: Readonly<Record<string, string>>,
): Record<string, string | string[]> {
  const own = Object.fromEntries(
    Object.entries(forwardableHeaders(functionHeaders)).filter(([name]) => !isPlatformHeader(name)),
  );
  return { ...outgoingHeaders(own), ...platform };
}
