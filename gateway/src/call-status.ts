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

export function describeCall(call: StoredCall): CallView {
  const state = stateOf(call);
  const done = state !== 'queued' && state !== 'running';
  const { result, failedReason } = call;
  return {
    state,
    attempts: call.attemptsMade + (state === 'running' ? 1 : 0),
    maxAttempts: call.maxAttempts,
    enqueuedAt: new Date(call.enqueuedAtMs).toISOString(),
    ...timings(call, done),
    ...(failedReason && state !== 'succeeded' ? { failedReason } : {}),
    ...(result && done
      ? { result: { status: result.status, headers: result.headers, bodyBase64: result.bodyBase64 } }
      : {}),
  };
}
