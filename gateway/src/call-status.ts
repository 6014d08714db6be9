// What `/calls/ID` says about a call, decided from the job's stored fields alone (pure).
import { parseFailureReason, type HttpHeaders, type InvocationResult } from '@spool/api';

export type CallState = 'queued' | 'running' | 'succeeded' | 'failed' | 'timed out';

export interface StoredCall {
  /** BullMQ's state name. */
  readonly jobState: string;
  readonly attemptsMade: number;
  readonly maxAttempts: number;
  readonly enqueuedAtMs: number;
  readonly processedOnMs: number | undefined;
  readonly finishedOnMs: number | undefined;
  readonly result: InvocationResult | undefined;
  readonly failedReason: string | undefined;
  /** BullMQ's `stacktrace`: one entry per failed attempt, oldest first; untrusted like every stored field. */
  readonly attemptErrors: unknown;
}

export interface CallView {
  readonly state: CallState;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly enqueuedAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly waitMs?: number;
  readonly runMs?: number;
  readonly failedReason?: string;
  /** Why each failed attempt failed, oldest first: the last ATTEMPT_REASONS_KEPT, each cut to ATTEMPT_REASON_CHARS. */
  readonly attemptFailures?: readonly string[];
  readonly result?: { status: number; headers: HttpHeaders; bodyBase64: string };
}

function stateOf(call: StoredCall): CallState {
  if (call.jobState === 'active') return 'running';
  if (call.jobState === 'completed')
    return call.result?.error?.code === 'CALL_TIMEOUT' ? 'timed out' : 'succeeded';
  if (call.jobState === 'failed')
    return parseFailureReason(call.failedReason ?? '').code === 'CALL_TIMEOUT' ? 'timed out' : 'failed';
  // waiting, prioritized, delayed (a retry waiting out its backoff), waiting-children
  return 'queued';
}

function timings(
  call: StoredCall,
  done: boolean,
): Pick<CallView, 'startedAt' | 'finishedAt' | 'waitMs' | 'runMs'> {
  const { processedOnMs: started, finishedOnMs: finished } = call;
  if (started === undefined) return {};
  const start = { startedAt: new Date(started).toISOString(), waitMs: started - call.enqueuedAtMs };
  if (!done || finished === undefined) return start;
  return { ...start, finishedAt: new Date(finished).toISOString(), runMs: finished - started };
}

/** Bounds on what `/calls/ID` repeats of the failed attempts (a call has at most 10 attempts by the schema). */
export const ATTEMPT_REASONS_KEPT = 10;
export const ATTEMPT_REASON_CHARS = 500;

/**
 * The reason of each failed attempt from BullMQ's stored stacks: the first line of `Error.stack` is `Name: message`,
 * and the message is the attempt's failure reason (the worker's `CODE: message`). Anything else is skipped.
 */
export function attemptFailuresOf(stacks: unknown): string[] {
  if (!Array.isArray(stacks)) return [];
  const reasons: string[] = [];
  for (const stack of stacks as unknown[]) {
    if (typeof stack !== 'string') continue;
    const first = stack.split('\n', 1)[0] ?? '';
    const reason = first.replace(/^[A-Za-z]*Error: /, '');
    if (reason !== '')
      reasons.push(
        reason.length <= ATTEMPT_REASON_CHARS ? reason : `${reason.slice(0, ATTEMPT_REASON_CHARS - 1)}…`,
      );
  }
  return reasons.slice(-ATTEMPT_REASONS_KEPT);
}

export function describeCall(call: StoredCall): CallView {
  const state = stateOf(call);
  const done = state !== 'queued' && state !== 'running';
  const { result, failedReason } = call;
  const attemptFailures = attemptFailuresOf(call.attemptErrors);
  return {
    state,
    attempts: call.attemptsMade + (state === 'running' ? 1 : 0),
    maxAttempts: call.maxAttempts,
    enqueuedAt: new Date(call.enqueuedAtMs).toISOString(),
    ...timings(call, done),
    ...(failedReason && state !== 'succeeded' ? { failedReason } : {}),
    ...(attemptFailures.length > 0 ? { attemptFailures } : {}),
    ...(result && done
      ? { result: { status: result.status, headers: result.headers, bodyBase64: result.bodyBase64 } }
      : {}),
  };
}
