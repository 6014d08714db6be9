// Pure: what the gateway does with a sync call whose reply has not come when it looks at the call's job.
import { platformFailure, type ErrorCode, type InvocationResult } from '@spool/api';

/** The call's job as the gateway read it from the queue. */
export type JobSnapshot =
  | { readonly state: 'completed'; readonly result: InvocationResult }
  /** Completed without a result: a replica skipped it as past its queue expiry (watchdog `decideJob`). */
  | { readonly state: 'skipped' }
  | { readonly state: 'failed'; readonly reason: string }
  /** Running now; `startedAtMs` is when this attempt began (BullMQ `processedOn`). */
  | { readonly state: 'active'; readonly startedAtMs: number }
  /** Waiting for a replica; `rerun` when one already started it and died (BullMQ moved it back after a stall). */
  | { readonly state: 'queued'; readonly rerun: boolean }
  | { readonly state: 'missing' }
  /** Redis did not answer. */
  | { readonly state: 'unreadable' };

export interface CallWait {
  readonly enqueuedAtMs: number;
  readonly queueWaitMs: number;
  readonly timeoutMs: number;
  /**
   * Covers finding a dead replica and re-running its call: more than the watchdogs' lock duration plus stall
   * interval (7.5 s by default), with room for a loaded machine. GatewayConfig.recoveryMarginMs.
   */
  readonly recoveryMarginMs: number;
}

export type WaitDecision =
  | { readonly kind: 'answer'; readonly result: InvocationResult }
  /** Remove the job from the queue; if it was still there, answer `code`, else look again soon. */
  | { readonly kind: 'withdraw'; readonly code: 'QUEUE_TIMEOUT' | 'CALL_TIMEOUT'; readonly message: string }
  | { readonly kind: 'recheck'; readonly atMs: number }
  | { readonly kind: 'give-up'; readonly message: string };

/** Shortest gap between two looks at one job. */
export const MIN_RECHECK_MS = 1000;

/**
 * The latest a result can come for a call that starts at the end of its queue wait, whose replica dies at the
 * last moment, and whose re-run then takes its full timeout: queue wait + timeout + recovery + timeout. With
 * the defaults (60 s wait, 15 s margin) a 5 s function is given up on after 85 s.
 */
export const answerDeadlineMs = (w: CallWait): number =>
  w.enqueuedAtMs + w.queueWaitMs + 2 * w.timeoutMs + w.recoveryMarginMs;

/** A result the gateway itself decided (the call was withdrawn, lost or failed without a reply). */
export const gatewayFailure = (code: ErrorCode, message: string, atMs: number): InvocationResult => ({
  ...platformFailure(code, message),
  startedAtMs: atMs,
  finishedAtMs: atMs,
  attempt: 0,
});

/**
 * Read at the end of the queue wait and then whenever the decision says: a finished job answers from its stored
 * result (its reply was missed); a job no replica ever took is withdrawn once its queue wait is over; a job
 * moved back after its replica died is waited for, since a live replica re-runs it (watchdog `decideJob` runs
 * re-runs past the queue expiry); a running job is given its own timeout plus the recovery margin.
 */
export function decideUnanswered(job: JobSnapshot, wait: CallWait, nowMs: number): WaitDecision {
  const deadlineMs = answerDeadlineMs(wait);
  const at = (ms: number): WaitDecision => ({ kind: 'recheck', atMs: Math.max(ms, nowMs + MIN_RECHECK_MS) });
  switch (job.state) {
    case 'completed':
      return { kind: 'answer', result: job.result };
    case 'failed':
      return {
        kind: 'answer',
        result: gatewayFailure('FUNCTION_UNAVAILABLE', `the call failed: ${job.reason}`, nowMs),
      };
    case 'skipped':
      return {
        kind: 'answer',
        result: gatewayFailure(
          'QUEUE_TIMEOUT',
          `no replica took the call within ${wait.queueWaitMs} ms`,
          nowMs,
        ),
      };
    case 'missing':
      return { kind: 'give-up', message: 'the call is no longer in the queue and no result came' };
    case 'unreadable':
      return nowMs >= deadlineMs ? { kind: 'give-up', message: 'the queue is unreachable' } : at(nowMs);
    case 'queued':
      return decideQueued(job.rerun, wait, nowMs);
    case 'active': {
      const attemptEndMs = job.startedAtMs + wait.timeoutMs + wait.recoveryMarginMs;
      if (nowMs < attemptEndMs) return at(attemptEndMs);
      return {
        kind: 'give-up',
        message: `no result within ${wait.timeoutMs + wait.recoveryMarginMs} ms of the call starting; the replica running it was lost`,
      };
    }
  }
}

function decideQueued(rerun: boolean, wait: CallWait, nowMs: number): WaitDecision {
  const endMs = rerun ? answerDeadlineMs(wait) : wait.enqueuedAtMs + wait.queueWaitMs;
  if (nowMs < endMs) return { kind: 'recheck', atMs: Math.max(endMs, nowMs + MIN_RECHECK_MS) };
  return rerun
    ? {
        kind: 'withdraw',
        code: 'CALL_TIMEOUT',
        message: 'the replica running the call died and no other re-ran it in time',
      }
    : {
        kind: 'withdraw',
        code: 'QUEUE_TIMEOUT',
        message: `no replica took the call within ${wait.queueWaitMs} ms`,
      };
}
