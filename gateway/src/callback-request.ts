// The callback POST, decided without I/O: which URL, which few headers, which body; and the per-destination
// limit that keeps one slow target from holding every delivery slot.
import { formatIp, headerValues, parseIp, unmapIpv4, type CallbackJob } from '@spool/api';

export interface CallbackRequest {
  readonly url: URL;
  /** Only Content-Type and Spool's own headers: never the function's, so a function cannot steer or loop them. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/**
 * The callback request: the function's body, its status and the call id in headers (as OpenFaaS does). `body` is
 * the result's body when it was kept apart (read from its own key); an inline one is taken from the result.
 */
export function callbackRequest(job: CallbackJob, body?: Buffer): CallbackRequest {
  const { result } = job;
  const contentType = result.error ? 'application/json' : headerValues(result.headers, 'content-type')[0];
  const headers: Record<string, string> = {
    ...(contentType !== undefined ? { 'content-type': contentType } : {}),
    'x-call-id': job.callId,
    'x-function-status': String(result.status),
    ...(result.error ? { 'x-spool-error': result.error.code } : {}),
  };
  return {
    url: new URL(job.callbackUrl),
    headers,
    body: result.error
      ? Buffer.from(JSON.stringify(result.error))
      : (body ?? Buffer.from(result.bodyBase64, 'base64')),
  };
}

/** The URL's host as a lookup takes it (`[::1]` → `::1`) and its port, with the scheme's default. */
export function hostAndPort(url: URL): { host: string; port: number } {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return { host, port };
}

/** How a delivery attempt ended; `final` ones are not retried (a retry would meet the same refusal). */
export type CallbackOutcome =
  | { readonly kind: 'delivered'; readonly status: number }
  | { readonly kind: 'failed'; readonly reason: string; readonly final: boolean };

/** 2xx is delivered; a redirect is never followed and is final; any other status is a failed attempt. */
export function decideCallbackAnswer(status: number): CallbackOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status >= 300 && status < 400)
    return { kind: 'failed', reason: `answered ${status}; redirects are not followed`, final: true };
  return { kind: 'failed', reason: `answered ${status}`, final: false };
}

/**
 * What the per-destination limit counts by: the address (any port: ports cost an attacker nothing), and for IPv6
 * its /64, since one host is commonly given a whole /64. The lowest of several addresses, so the key is stable.
 */
export function destinationKey(addresses: readonly string[]): string {
  const keys = addresses.map((address) => {
    const ip = parseIp(address);
    if (!ip) return address;
    const plain = unmapIpv4(ip);
    return plain.family === 4
      ? formatIp(plain)
      : `${formatIp({ family: 6, bytes: [...plain.bytes.slice(0, 8), ...Array<number>(8).fill(0)] })}/64`;
  });
  return [...keys].sort()[0] ?? '';
}

/** Counts attempts in flight per destination; `tryAcquire` fails fast instead of queueing behind a slow target. */
export interface DestinationLimiter {
  tryAcquire(destination: string): (() => void) | undefined;
  inFlight(destination: string): number;
}

export function createDestinationLimiter(perDestination: number): DestinationLimiter {
  const counts = new Map<string, number>();
  return {
    tryAcquire(destination) {
      const n = counts.get(destination) ?? 0;
      if (n >= perDestination) return undefined;
      counts.set(destination, n + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (counts.get(destination) ?? 1) - 1;
        if (left === 0) counts.delete(destination);
        else counts.set(destination, left);
      };
    },
    inFlight: (destination) => counts.get(destination) ?? 0,
  };
}
