// The payloads that cross Redis: the job the gateway enqueues, the result the watchdog returns,
// and the messages on Spool's channels. Bodies travel base64-encoded so any bytes survive JSON.
import { errorCodes, type ErrorCode } from './errors.js';

export const JOB_VERSION = 1;

export interface InvocationRequest {
  readonly method: string;
  /** Path after `/function/NAME`, always starting with `/`. */
  readonly path: string;
  /** The raw query string without `?`, possibly empty. */
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly bodyBase64: string;
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
}

export interface PlatformError {
  readonly code: ErrorCode;
  readonly message: string;
}

export interface InvocationResult {
  /** HTTP status the caller gets: the function's own, or the platform error's. */
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly bodyBase64: string;
  /** Set when Spool, not the function, produced the status (timeout, crash, unreachable). */
  readonly error?: PlatformError;
  readonly startedAtMs: number;
  readonly finishedAtMs: number;
  /** 1 for the first attempt. */
  readonly attempt: number;
}

/** Published on the job's `replyTo` channel. */
export interface Reply {
  readonly callId: string;
  readonly result: InvocationResult;
}

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
export const isFailedResult = (result: InvocationResult): boolean =>
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

/** Keeps end-to-end headers, joins repeated ones with `, ` and lower-cases names. */
export function forwardableHeaders(
  headers: Readonly<Record<string, string | readonly string[] | number | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || hopByHop.has(lower)) continue;
    out[lower] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}
