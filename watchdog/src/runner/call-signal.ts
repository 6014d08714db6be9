// One abort signal per call that fires on the call's timeout or when the job is cancelled, and says which.
import type { Clock } from '../clock.js';

export const CALL_TIMED_OUT = 'call-timed-out';
export const CALL_CANCELLED = 'call-cancelled';

export interface CallSignal {
  readonly signal: AbortSignal;
  timedOut(): boolean;
  dispose(): void;
}

export function callSignal(clock: Clock, timeoutMs: number, outer: AbortSignal): CallSignal {
  const controller = new AbortController();
  const timer = clock.setTimer(timeoutMs, () => controller.abort(CALL_TIMED_OUT));
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
