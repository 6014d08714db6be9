// What the warm user process does when one of its calls ends: serve on, drain, or be replaced (issue 10 item 6).

/** `serve`: keep taking calls; `drain`: take no new call, let the others finish; `replace`: kill it and start anew. */
export type GenerationAction = 'serve' | 'drain' | 'replace';

export interface CallEnd {
  /** This call ran past its timeout (and was answered 504). */
  readonly timedOut: boolean;
  /** The process already takes no new calls because an earlier call of it timed out. */
  readonly draining: boolean;
  /** Calls of the same process still running once this one has ended. */
  readonly othersInFlight: number;
}

/**
 * A call past its timeout may have left the process stuck, so the process is replaced; but the other calls in
 * flight on it are healthy and each has its own deadline, so they are let finish first: with concurrency 4 and one
 * call hanging, the other three still answer 200 (see `generation.test.ts` 'one late call of four drains').
 * Draining ends when the last call ends, in time or at its own timeout, so it lasts at most one timeout.
 */
export function decideAfterCall(end: CallEnd): GenerationAction {
  if (!end.timedOut && !end.draining) return 'serve';
  return end.othersInFlight > 0 ? 'drain' : 'replace';
}
