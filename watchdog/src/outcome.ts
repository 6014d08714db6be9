// Pure decisions around one job: whether to run it, what its result is, and how a failed attempt reads.
import { JOB_VERSION, type CallbackJob, type InvocationJob, type InvocationResult } from '@spool/api';
import { platformErrorResult, type RunResult } from './runner/runner.js';

export type JobDecision = 'run' | 'expired' | 'unsupported';

/**
 * A sync job past `expiresAtMs` that no replica ever took was withdrawn and answered 504 by the gateway, so
 * running it would only waste the function's time. The expiry bounds the queue wait only: a job whose replica
 * died mid-call (`stalledCount` > 0, BullMQ moved it back to the queue) still has its caller waiting for the
 * re-run, so it runs whatever the clock says. Async jobs carry no expiry.
 */
export function decideJob(
  data: Pick<InvocationJob, 'version' | 'expiresAtMs'>,
  nowMs: number,
  stalledCount = 0,
): JobDecision {
  if (data.version !== JOB_VERSION) return 'unsupported';
  if (data.expiresAtMs !== undefined && data.expiresAtMs < nowMs && stalledCount === 0) return 'expired';
  return 'run';
}

export interface AttemptTiming {
  readonly attempt: number;
  readonly startedAtMs: number;
  readonly finishedAtMs: number;
}

export const stampResult = (result: RunResult, timing: AttemptTiming): InvocationResult => ({
  ...result,
  ...timing,
});

/** The `failedReason` a user reads for a failed async attempt, e.g. `CALL_TIMEOUT: call ran past 5 s`. */
export function attemptFailureReason(result: Pick<InvocationResult, 'status' | 'error'>): string {
  return result.error === undefined
    ? `function answered ${result.status}`
    : `${result.error.code}: ${result.error.message}`;
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
