// One abort signal per call that fires on the call's timeout or when the job is cancelled, and says which.
import type { Clock } from '../clock.js';

export const CALL_TIMED_OUT = 'call-timed-out';
export const CALL_CANCELLED = 'call-cancelled';

export interface CallSignal {
  readonly signal: AbortSignal;
  timedOut(): boolean;
  dispose(): void;
}

/** A timer that fires this much past its due time means the watchdog was not running (SIGSTOP, a frozen VM). */
export const FROZEN_LATENESS_MS = 1000;
/** After a freeze, I/O that arrived meanwhile is read within a few loop turns; wait this long for it. */
export const RESUME_GRACE_MS = 250;

/**
 * What a call's timeout does when its timer fires at `nowMs`: abort, or, when the timer is so late that the
 * watchdog must have been frozen, look again after RESUME_GRACE_MS. A response the user process sent while the
 * watchdog was stopped is already in the socket: reading it first judges the call by what happened (a success),
 * not by a timer that fired late (issue 10 item 7). The grace is given once, so a call still ends within
 * timeoutMs + RESUME_GRACE_MS of running time.
 */
export function decideTimeoutFire(dueAtMs: number, nowMs: number, graced: boolean): 'abort' | 'grace' {
  return !graced && nowMs - dueAtMs > FROZEN_LATENESS_MS ? 'grace' : 'abort';
}

export function callSignal(clock: Clock, timeoutMs: number, outer: AbortSignal): CallSignal {
  const controller = new AbortController();
  const dueAtMs = clock.now() + timeoutMs;
  let timer = clock.setTimer(timeoutMs, function fire(graced = false): void {
    if (decideTimeoutFire(dueAtMs, clock.now(), graced) === 'abort') controller.abort(CALL_TIMED_OUT);
    else timer = clock.setTimer(RESUME_GRACE_MS, () => fire(true));
  });
  const onOuterAbort = (): void => controller.abort(CALL_CANCELLED);
  if (outer.aborted) onOuterAbort();
  else outer.addEventListener('abort', onOuterAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => controller.signal.reason === CALL_TIMED_OUT,
    dispose: () => {
      timer.cancel();
      outer.removeEventListener('abort', onOuterAbort);
    },
  };
}

/** Resolves when `signal` aborts (never rejects). */
export function whenAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
