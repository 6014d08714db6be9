// Pure decisions around one job: whether to run it, what its result is, and how a failed attempt reads.
import {
  MAX_CALL_BODY_BYTES,
  base64Length,
  failureReason,
  type CallbackJob,
  type InvocationJob,
  type InvocationResult,
} from '@spool/api';
import { platformErrorResult, type RunResult } from './runner/runner.js';

export type JobDecision = 'run' | 'expired';

/**
 * A sync job past `expiresAtMs` was already answered 504 by the gateway, so running it would only waste the
 * function's time; async jobs carry no expiry. (A job of another protocol version never decodes this far.)
 */
export function decideJob(data: Pick<InvocationJob, 'expiresAtMs'>, nowMs: number): JobDecision {
  return data.expiresAtMs !== undefined && data.expiresAtMs < nowMs ? 'expired' : 'run';
}

export interface AttemptTiming {
  readonly attempt: number;
  readonly startedAtMs: number;
  readonly finishedAtMs: number;
}

/**
 * A response body past MAX_CALL_BODY_BYTES would be refused by every reader of the result (the gateway's reply
 * decoder first), leaving the caller waiting: it is answered 502 RESPONSE_TOO_LARGE instead.
 */
export function boundedResult(result: RunResult): RunResult {
  if (result.bodyBase64.length <= base64Length(MAX_CALL_BODY_BYTES)) return result;
  const bytes = Math.floor((result.bodyBase64.length * 3) / 4);
  return platformErrorResult(
    'RESPONSE_TOO_LARGE',
    `the response of about ${bytes} bytes exceeds the ${MAX_CALL_BODY_BYTES} a call result may carry`,
  );
}

export const stampResult = (result: RunResult, timing: AttemptTiming): InvocationResult => ({
  ...result,
  ...timing,
});

/** The `failedReason` a user reads for a failed async attempt, e.g. `CALL_TIMEOUT: call ran past 5 s`. */
export function attemptFailureReason(result: Pick<InvocationResult, 'status' | 'error'>): string {
  return result.error === undefined
    ? `function answered ${result.status}`
    : failureReason(result.error.code, result.error.message);
}

/** The callback for an async call that has ended; a call that failed with no result gets a 502 naming why. */
export function callbackJobFor(
  data: Pick<InvocationJob, 'callId' | 'callbackUrl'>,
  ended:
    { readonly result: InvocationResult } | { readonly failedReason: string; readonly timing: AttemptTiming },
): CallbackJob | undefined {
  if (data.callbackUrl === undefined) return undefined;
  const result =
    'result' in ended
      ? ended.result
      : stampResult(platformErrorResult('FUNCTION_UNAVAILABLE', ended.failedReason), ended.timing);
  return { callId: data.callId, callbackUrl: data.callbackUrl, result };
}
