// Injected time (style rule 13): loops take a Clock, so Date.now and timers appear only in its adapter
// (`systemClock` in @spool/node) and pure code takes `nowMs`.

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or early (without rejecting) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `fn` once after `ms`. */
  setTimer(ms: number, fn: () => void): Timer;
  /** Calls `fn` every `ms` until cancelled. */
  setInterval(ms: number, fn: () => void): Timer;
}
