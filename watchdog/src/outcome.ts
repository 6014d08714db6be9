// Pure decisions around one job: whether to run it, what its result is, and how a failed attempt reads.
import {
  MAX_CALL_BODY_BYTES,
  bodyFields,
  decodeInvocationResult,
  failureReason,
  type CallbackJob,
  type InvocationJob,
  type InvocationResult,
} from '@spool/api';
import { platformErrorResult, type RunResult } from './runner/runner.js';

export type JobDecision = 'run' | 'expired';

/**
 * A sync job past `expiresAtMs` that no replica ever took was withdrawn and answered 504 by the gateway, so
 * running it would only waste the function's time. The expiry bounds the queue wait only: a job whose replica
 * died mid-call (`stalledCount` > 0, BullMQ moved it back to the queue) still has its caller waiting for the
 * re-run, so it runs whatever the clock says. Async jobs carry no expiry. (A job of another protocol version never
 * decodes this far.)
 */
export function decideJob(
  data: Pick<InvocationJob, 'expiresAtMs'>,
  nowMs: number,
  stalledCount = 0,
): JobDecision {
  return data.expiresAtMs !== undefined && data.expiresAtMs < nowMs && stalledCount === 0 ? 'expired' : 'run';
}

export interface AttemptTiming {
  readonly attempt: number;
  readonly startedAtMs: number;
  readonly finishedAtMs: number;
}

/** One attempt's outcome, its body still as bytes: `placeResult` decides whether it travels inline or apart. */
export type FinishedRun = Omit<InvocationResult, 'bodyBase64' | 'bodyStoredBytes'> & {
  readonly body: Buffer;
};

/**
 * A result every reader will accept. One the protocol would refuse (the gateway's reply decoder first) would leave
 * its caller waiting for a reply that never decodes: a body past MAX_CALL_BODY_BYTES is answered 502
 * RESPONSE_TOO_LARGE, and anything else the decoder refuses (a status outside 100–599) 502 INVALID_RESPONSE.
 */
export function deliverableResult(run: FinishedRun): FinishedRun {
  const timing = { attempt: run.attempt, startedAtMs: run.startedAtMs, finishedAtMs: run.finishedAtMs };
  const { body, ...rest } = run;
  if (body.length > MAX_CALL_BODY_BYTES) {
    const message = `the response of ${body.length} bytes exceeds the ${MAX_CALL_BODY_BYTES} a call result may carry`;
    return stampResult(platformErrorResult('RESPONSE_TOO_LARGE', message), timing);
  }
  // The body is checked by its length above; the rest as every reader decodes it.
  const checked = decodeInvocationResult({ ...rest, bodyBase64: '' });
  if (checked.ok) return run;
  const message = `the function's response cannot be passed on: ${checked.error}`;
  return stampResult(platformErrorResult('INVALID_RESPONSE', message), timing);
}

/** The result as stored and sent: the runner's `notRun` mark stays inside the watchdog. */
export const stampResult = (
  { notRun: _notRun, ...result }: RunResult,
  timing: AttemptTiming,
): FinishedRun => ({
  ...result,
  ...timing,
});

/** A result as it is stored and sent, and the bytes to write to its `resultBodyKey` when its body is kept apart. */
export interface PlacedResult {
  readonly result: InvocationResult;
  readonly apart?: Buffer;
}

/** Small bodies travel inline (base64); larger ones apart, the result recording only their length. */
export function placeResult({ body, ...rest }: FinishedRun): PlacedResult {
  const fields = bodyFields(body);
  const result = { ...rest, ...fields };
  return 'bodyStoredBytes' in fields ? { result, apart: body } : { result };
}

/**
 * Runs of one async call that never reached user code and were not counted as attempts: past this many (BullMQ's
 * `attemptsStarted - attemptsMade`, so no extra key), a run that reaches nothing counts again, so a function whose
 * process never comes up still exhausts its attempts instead of cycling forever.
 */
export const MAX_UNCOUNTED_RUNS = 20;

export type NotRunDecision =
  /** Back to the queue (delayed a moment) with `attemptsMade` unchanged. */
  | 'defer'
  /** An ordinary attempt: it succeeded, reached user code, is sync (its caller is answered), or deferred too often. */
  | 'count';

/**
 * Issue 10 item 8: attempts count only real attempts. An async run whose call never reached user code (the
 * process was starting, in restart backoff, or stopping) is deferred without using an attempt.
 */
export function decideNotRun(
  kind: InvocationJob['kind'],
  notRun: boolean,
  job: { readonly attemptsStarted: number; readonly attemptsMade: number },
): NotRunDecision {
  if (kind !== 'async' || !notRun) return 'count';
  return job.attemptsStarted - job.attemptsMade <= MAX_UNCOUNTED_RUNS ? 'defer' : 'count';
}

/** The `failedReason` a user reads for a failed async attempt, e.g. `CALL_TIMEOUT: call ran past 5 s`. */
export function attemptFailureReason(result: Pick<InvocationResult, 'status' | 'error'>): string {
  return result.error === undefined
    ? `function answered ${result.status}`
    : failureReason(result.error.code, result.error.message);
}

/** The callback for an async call that has ended; a call that failed with no result gets a 503 naming why. */
export function callbackJobFor(
  data: Pick<InvocationJob, 'callId' | 'callbackUrl'>,
  ended:
    { readonly result: InvocationResult } | { readonly failedReason: string; readonly timing: AttemptTiming },
): CallbackJob | undefined {
  if (data.callbackUrl === undefined) return undefined;
  const result =
    'result' in ended
      ? ended.result
      : placeResult(
          stampResult(platformErrorResult('FUNCTION_UNAVAILABLE', ended.failedReason), ended.timing),
        ).result;
  return { callId: data.callId, callbackUrl: data.callbackUrl, result };
}

/**
 * Whether a job may be one the gateway withdrew: taken for the first time after its enqueue deadline, when the
 * gateway may have answered its caller 503 (issue 10). Only then does the watchdog look for the withdrawal mark, so
 * a call picked up in time pays nothing; a backlogged one pays WITHDRAWAL_SETTLE_MS and one round trip.
 */
export const mayBeWithdrawn = (
  data: Pick<InvocationJob, 'enqueueDeadlineMs'>,
  nowMs: number,
  job: { readonly attemptsMade: number; readonly stalledCounter: number },
): boolean =>
  data.enqueueDeadlineMs !== undefined &&
  nowMs >= data.enqueueDeadlineMs &&
  job.attemptsMade === 0 &&
  job.stalledCounter === 0;
