// Injected time: loops take a Clock so that Date.now and timers appear only in this adapter.

export interface Timer {
  cancel(): void;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Calls `fn` once after `ms`. */
  setTimer(ms: number, fn: () => void): Timer;
  /** Calls `fn` every `ms` until cancelled. */
  setInterval(ms: number, fn: () => void): Timer;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  setTimer: (ms, fn) => {
    const handle = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(handle) };
  },
  setInterval: (ms, fn) => {
    const handle = setInterval(fn, ms);
    return { cancel: () => clearInterval(handle) };
  },
};
