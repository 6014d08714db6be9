// The callback outbox (docs/security.md, "Redis isolation"): a watchdog pushes the callback of an ended async call
// into a list in its own keyspace, and the controller moves it to the shared callback queue. Entries are written
// with the function's credentials, so they are decoded here as untrusted input before they reach the queue.
import { MAX_CALLBACK_ATTEMPTS } from './config.js';
import { decoded, isRecord, parseJson, refused, type Decoded } from './decode.js';
import { isErrorCode } from './errors.js';
import type { CallbackJob, InvocationResult, PlatformError } from './job.js';
import type { FunctionRef } from './names.js';
import { parseCallId } from './queue-names.js';

/**
 * Deliveries are retried from 1 s doubling (the default 5 attempts: 1+2+4+8 s ≈ 15 s of retries). How many is
 * the delivering gateway's SPOOL_CALLBACK_MAX_ATTEMPTS: BullMQ is asked for the most it may be, and the gateway
 * stops at its own number. The job id is the call id, so a repeated move enqueues one delivery.
 */
export const CALLBACK_JOB_OPTIONS = {
  attempts: MAX_CALLBACK_ATTEMPTS,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

/** An outbox holds at most this many entries per move: bounds one drain's work and memory. */
export const OUTBOX_BATCH = 100;

const isStringRecord = (v: unknown): v is Readonly<Record<string, string>> =>
  isRecord(v) && Object.values(v).every((x) => typeof x === 'string');

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

const isHttpStatus = (v: unknown): v is number => isCount(v) && v >= 100 && v <= 599;

/** The first field of a result that is not what a watchdog writes, or undefined when all are. */
function resultProblem(v: Readonly<Record<string, unknown>>): string | undefined {
  if (!isHttpStatus(v['status'])) return 'result.status is not an HTTP status';
  if (!isStringRecord(v['headers'])) return 'result.headers is not a map of strings';
  if (typeof v['bodyBase64'] !== 'string') return 'result.bodyBase64 is not a string';
  const timing = [v['startedAtMs'], v['finishedAtMs'], v['attempt']];
  return timing.every(isCount) ? undefined : 'result timing is not made of non-negative integers';
}

function decodeResult(v: unknown): Decoded<InvocationResult> {
  if (!isRecord(v)) return refused('result is not an object');
  const problem = resultProblem(v);
  if (problem !== undefined) return refused(problem);
  const platformError = v['error'] === undefined ? undefined : decodePlatformError(v['error']);
  if (platformError !== undefined && !platformError.ok) return platformError;
  // The decoded fields are exactly the checked ones: nothing else the function wrote is carried on.
  const result = {
    status: v['status'] as number,
    headers: v['headers'] as Readonly<Record<string, string>>,
    bodyBase64: v['bodyBase64'] as string,
    startedAtMs: v['startedAtMs'] as number,
    finishedAtMs: v['finishedAtMs'] as number,
    attempt: v['attempt'] as number,
  };
  return decoded(platformError === undefined ? result : { ...result, error: platformError.value });
}

function decodePlatformError(v: unknown): Decoded<PlatformError> {
  if (!isRecord(v) || !isErrorCode(v['code']) || typeof v['message'] !== 'string')
    return refused('result.error is not a {code, message} with a known code');
  return decoded({ code: v['code'], message: v['message'] });
}

const sameFunction = (a: FunctionRef, b: FunctionRef): boolean =>
  a.namespace === b.namespace && a.name === b.name;

/**
 * Decodes one outbox entry of `owner`: a JSON `CallbackJob` whose call id names `owner`, so a function can
 * enqueue callbacks only for its own calls. Its `callbackUrl` is still the function's word (it can rewrite its own
 * job hashes): the gateway's destination policy, not this decoder, decides where a callback may go.
 */
export function decodeOutboxEntry(raw: string, owner: FunctionRef): Decoded<CallbackJob> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  if (!isRecord(v)) return refused('outbox entry is not an object');
  const { callId, callbackUrl } = v;
  if (typeof callId !== 'string') return refused('outbox entry has no callId');
  const call = parseCallId(callId);
  if (call === undefined || !sameFunction(call.ref, owner))
    return refused(
      `outbox of ${owner.namespace}/${owner.name} holds a call of another function: "${callId}"`,
    );
  if (typeof callbackUrl !== 'string' || !/^https?:\/\//.test(callbackUrl))
    return refused('outbox entry has no http(s) callbackUrl');
  const result = decodeResult(v['result']);
  if (!result.ok) return result;
  return decoded({ callId, callbackUrl, result: result.value });
}
