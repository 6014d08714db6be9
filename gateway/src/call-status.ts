// What `/calls/ID` says about a call, decided from the job's stored fields alone (pure).
import type { InvocationResult } from '@spool/api';

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
  readonly result?: { status: number; headers: Readonly<Record<string, string>>; bodyBase64: string };
}

function stateOf(call: StoredCall): CallState {
  if (call.jobState === 'active') return 'running';
  if (call.jobState === 'completed') return call.result?.error?.code === 'CALL_TIMEOUT' ? 'timed out' : 'succeeded';
  if (call.jobState === 'failed') return call.failedReason?.startsWith('CALL_TIMEOUT') ? 'timed out' : 'failed';
  // waiting, prioritized, delayed (a retry waiting out its backoff), waiting-children
  return 'queued';
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

export function describeCall(call: StoredCall): CallView {
  const state = stateOf(call);
  const { processedOnMs: started, finishedOnMs: finished } = call;
  const done = state !== 'queued' && state !== 'running';
  return {
    state,
    attempts: call.attemptsMade + (state === 'running' ? 1 : 0),
    maxAttempts: call.maxAttempts,
    enqueuedAt: new Date(call.enqueuedAtMs).toISOString(),
    ...(started !== undefined ? { startedAt: iso(started)!, waitMs: started - call.enqueuedAtMs } : {}),
    ...(done && finished !== undefined ? { finishedAt: iso(finished)! } : {}),
    ...(done && finished !== undefined && started !== undefined ? { runMs: finished - started } : {}),
    ...(call.failedReason && state !== 'succeeded' ? { failedReason: call.failedReason } : {}),
    ...(call.result && done
      ? { result: { status: call.result.status, headers: call.result.headers, bodyBase64: call.result.bodyBase64 } }
      : {}),
  };
}
