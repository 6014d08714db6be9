// The payloads that cross Redis: the job the gateway enqueues, the result the watchdog returns,
// and the messages on Spool's channels. A small body travels base64-encoded inside the JSON; a larger one as raw
// bytes in its own Redis key, the JSON recording only its length (issue 14 item 2).
import { decoded, refused, type Decoded } from './decode.js';
import { errorCodes, type ErrorCode } from './errors.js';

export const JOB_VERSION = 1;

/**
 * Header values as they arrived: a header sent more than once (two `Set-Cookie`) keeps one entry per line,
 * because joining them with `, ` changes their meaning. Names are lower-case.
 */
export type HeaderValue = string | readonly string[];
export type HttpHeaders = Readonly<Record<string, HeaderValue>>;

export interface InvocationRequest {
  readonly method: string;
  /** Path after `/function/NAME`, always starting with `/`. */
  readonly path: string;
  /** The raw query string without `?`, possibly empty. */
  readonly query: string;
  readonly headers: HttpHeaders;
  /** The body inline, base64; empty when it is kept apart (`bodyStoredBytes`). */
  readonly bodyBase64: string;
  /**
   * Set when the body is kept apart as raw bytes in `requestBodyKey(ref, jobId)`: its length in bytes, which the
   * watchdog checks against what it reads before running the call. `bodyBase64` is then empty.
   */
  readonly bodyStoredBytes?: number;
}

export interface InvocationJob {
  readonly version: typeof JOB_VERSION;
  readonly callId: string;
  readonly kind: 'sync' | 'async';
  readonly request: InvocationRequest;
  /** Channel the result is published on (sync calls: the waiting gateway's reply channel). */
  readonly replyTo?: string;
  /** Async calls: URL the result is POSTed to when the call ends. */
  readonly callbackUrl?: string;
  /** W3C trace context (`traceparent`, `tracestate`), so one trace spans gateway, queue and watchdog. */
  readonly trace: Readonly<Record<string, string>>;
  readonly enqueuedAtMs: number;
  /** Sync calls: after this the caller has been answered 504, so a watchdog skips the job. */
  readonly expiresAtMs?: number;
  /**
   * When the gateway stops waiting for Redis to take the add: past it the caller was answered 503 and the job is
   * withdrawn. A replica that first takes the job after this checks the withdrawal mark before running it.
   */
  readonly enqueueDeadlineMs?: number;
  /**
   * Async calls: SHA-256 (hex) of the call-read token the gateway answered the 202 with. `/calls/ID` compares the
   * presented token's hash with it, so the token itself is never stored (issue 11 item 7).
   */
  readonly readTokenSha256?: string;
}

export interface PlatformError {
  readonly code: ErrorCode;
  readonly message: string;
}

export interface InvocationResult {
  /** HTTP status the caller gets: the function's own, or the platform error's. */
  readonly status: number;
  readonly headers: HttpHeaders;
  /** The body inline, base64; empty when it is kept apart (`bodyStoredBytes`). */
  readonly bodyBase64: string;
  /**
   * Set when the body is kept apart as raw bytes in `resultBodyKey(ref, jobId)`: its length in bytes. A reply,
   * return value or callback entry then carries no copy of it, only this length.
   */
  readonly bodyStoredBytes?: number;
  /** Set when Spool, not the function, produced the status (timeout, crash, unreachable). */
  readonly error?: PlatformError;
  readonly startedAtMs: number;
  readonly finishedAtMs: number;
  /** 1 for the first attempt. */
  readonly attempt: number;
}

/**
 * Published on the job's `replyTo` channel: the result, whose body is inline only when small (larger ones are in
 * `resultBodyKey`, so a reply is at most a few KiB plus the base64 of `BODY_INLINE_MAX_BYTES`). The `completed`
 * notice says the job holds the result; the gateway then reads the job it enqueued for that call, never a key a
 * message names.
 */
export type Reply =
  | { readonly callId: string; readonly result: InvocationResult }
  | { readonly callId: string; readonly completed: true };

/**
 * Largest body (bytes) that travels inline as base64 in job data, return values and replies; a larger one is kept
 * apart as raw bytes. Measured at concurrency 1 through echo (docs/benchmarks.md, "Payloads"; one run each way on
 * the shared machine): inline added 2.08 / 2.22 / 2.57 ms at p50 for 8 / 16 / 32 KiB, kept apart 3.53 / 2.78 /
 * 2.84 ms, and CPU per call was lower inline too; at 64 KiB inline costs 6.74 ms against 3.53 ms kept apart. The
 * crossover lies between 32 and 64 KiB: below it the extra SET and GET cost more than base64 and JSON.
 */
export const BODY_INLINE_MAX_BYTES = 32 * 1024;

/** Whether a body of `bytes` is kept apart in its own key rather than inline. */
export const isKeptApart = (bytes: number): boolean => bytes > BODY_INLINE_MAX_BYTES;

/** A body as a request or result carries it: inline base64, or only its length when it is kept apart. */
export type BodyFields =
  | { readonly bodyBase64: string; readonly bodyStoredBytes?: never }
  | { readonly bodyBase64: ''; readonly bodyStoredBytes: number };

export const bodyFields = (body: Buffer): BodyFields =>
  isKeptApart(body.length)
    ? { bodyBase64: '', bodyStoredBytes: body.length }
    : { bodyBase64: body.toString('base64') };

/** Whether a request or result keeps its body apart (it was not kept for `/calls` once a sync call is answered). */
export const hasStoredBody = (message: { readonly bodyStoredBytes?: number }): boolean =>
  message.bodyStoredBytes !== undefined;

/**
 * The bytes read from a body key, checked against the length its job recorded: `null` (the key expired or was
 * deleted) and a length that differs are refused, so no call runs, and no caller is answered, with a partial body.
 */
export function checkStoredBody(raw: Buffer | null, expectedBytes: number, what: string): Decoded<Buffer> {
  if (raw === null)
    return refused(`${what} of ${expectedBytes} bytes is gone from Redis (expired or deleted)`);
  return raw.length === expectedBytes
    ? decoded(raw)
    : refused(`${what} holds ${raw.length} bytes, its job recorded ${expectedBytes}`);
}

/**
 * A body kept apart is stored as a Redis list of chunks, not one string: Redis's allocator (jemalloc) rounds each
 * allocation up to a size class, 4 per doubling, so one string of exactly 1 MiB takes 1.25 MiB (`MEMORY USAGE`:
 * 1,310,776 bytes for 1,048,576). Chunks of 64 KiB minus room for the listpack and node headers fill their class:
 * measured 1.002x for 1 MiB, 8 MiB and 3,000,000 bytes. The last part is cut into 4 KiB-class pieces, so the tail
 * wastes at most a few hundred bytes, not a quarter of 64 KiB. At most 1,041 chunks for the largest body (64 MiB),
 * well inside what one script call may pass on (Lua's 8,000-value `unpack`).
 */
export const BODY_CHUNK_BYTES = 64 * 1024 - 64;
export const BODY_TAIL_CHUNK_BYTES = 4 * 1024 - 64;

/** The chunks a body kept apart is stored as (views into `body`, no copy), in order. */
export function bodyChunks(body: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  const bulk = body.length - (body.length % BODY_CHUNK_BYTES);
  for (let at = 0; at < body.length;) {
    const size = at < bulk ? BODY_CHUNK_BYTES : BODY_TAIL_CHUNK_BYTES;
    chunks.push(body.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

/**
 * How long a sync call's result body is kept when no gateway reads it (the gateway deletes it once it has
 * answered): past its gateway's longest wait for a lost reply (timeout plus recovery margin after the call
 * started), with the 5 minutes sync calls are kept for `/calls`.
 */
export const syncResultBodyTtlMs = (timeoutSeconds: number): number => 2 * timeoutSeconds * 1000 + 300_000;

/**
 * How long an async call's request body may wait for its last attempt: its retention plus a day. The watchdog
 * deletes it when the call ends; one still queued a day past its retention fails with PAYLOAD_LOST.
 */
export const asyncRequestBodyTtlMs = (retainSeconds: number): number =>
  retainSeconds * 1000 + 24 * 60 * 60 * 1000;

/** An async call's result body lives as long as the call is retained for `/calls` and its callback. */
export const asyncResultBodyTtlMs = (retainSeconds: number): number => retainSeconds * 1000;

/** Queued on CALLBACK_QUEUE when an async call with a callback URL ends; a gateway POSTs it. */
export interface CallbackJob {
  readonly callId: string;
  readonly callbackUrl: string;
  /** The final attempt's result; for a call that failed every attempt, the last failure. */
  readonly result: InvocationResult;
}

/** Replicas as the controller last set and saw them; stored per function and broadcast on change. */
export interface ReplicaStatus {
  readonly key: string;
  readonly replicas: number;
  readonly readyReplicas: number;
  readonly reason: string;
  readonly atMs: number;
}

export interface ScaleRequest {
  readonly key: string;
  readonly replicas: number;
}

/**
 * The response part of a result Spool itself failed: the code's status, and `{code, message}` as the body so
 * that a callback or `/calls` reader sees the same JSON the gateway answers with.
 */
export function platformFailure(
  code: ErrorCode,
  message: string,
): Pick<InvocationResult, 'status' | 'headers' | 'bodyBase64' | 'error'> {
  return {
    status: errorCodes[code].status,
    headers: { 'content-type': 'application/json' },
    bodyBase64: Buffer.from(JSON.stringify({ code, message })).toString('base64'),
    error: { code, message },
  };
}

/** Whether a result counts as a failed attempt for async retries: platform errors and 5xx do. */
export const isFailedResult = (result: Pick<InvocationResult, 'status' | 'error'>): boolean =>
  result.error !== undefined || result.status >= 500;

/** Connection-scoped headers (RFC 9110 §7.6.1) that must not be forwarded hop to hop. */
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

type RawHeaders = Readonly<Record<string, string | readonly string[] | number | undefined>>;

const valuesOf = (value: string | readonly string[] | number | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? [...(value as readonly string[])] : [String(value)];

/** Every value of a header, case-insensitively, in order. */
export function headerValues(headers: RawHeaders, name: string): string[] {
  const lower = name.toLowerCase();
  return Object.entries(headers).flatMap(([n, v]) => (n.toLowerCase() === lower ? valuesOf(v) : []));
}

/** The names a `Connection` header lists: they are hop-by-hop for this message only (RFC 9110 §7.6.1). */
function connectionListed(headers: RawHeaders): Set<string> {
  return new Set(
    headerValues(headers, 'connection')
      .flatMap((v) => v.split(','))
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== ''),
  );
}

/** Headers that hold one value: of repeated lines the first counts, as node's own parser does. */
const singleValued = new Set([
  'age',
  'authorization',
  'content-type',
  'etag',
  'expires',
  'from',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

/** One value stays a string; a repeated header becomes the list of its values. */
const collapse = (name: string, values: readonly string[]): HeaderValue =>
  values.length === 1 || singleValued.has(name) ? (values[0] ?? '') : Object.freeze([...values]);

/**
 * Keeps end-to-end headers: drops hop-by-hop ones and those the `Connection` header names, lower-cases names and
 * keeps each value of a repeated header (`Set-Cookie` twice stays twice).
 */
export function forwardableHeaders(headers: RawHeaders): Record<string, HeaderValue> {
  const dropped = connectionListed(headers);
  const values = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || hopByHop.has(lower) || dropped.has(lower)) continue;
    values.set(lower, [...(values.get(lower) ?? []), ...valuesOf(value)]);
  }
  return Object.fromEntries([...values].map(([name, vs]) => [name, collapse(name, vs)]));
}

/** Headers as node's `http.request` and express's `res.set` take them (mutable arrays). */
export const outgoingHeaders = (headers: HttpHeaders): Record<string, string | string[]> =>
  Object.fromEntries(
    Object.entries(headers).map(([n, v]) => [n, typeof v === 'string' ? v : [...v]] as const),
  );
