// Doubling delays: one rule for restarting a crashed process, in the watchdog and in the process runtime.

/** A doubling delay: `initialMs`, twice that, four times … up to `maxMs`. */
export interface BackoffOptions {
  /** First delay, in ms. */
  readonly initialMs: number;
  /** Ceiling of the doubling, in ms. */
  readonly maxMs: number;
}

/**
 * The delay after the `failures`-th failure in a row: 0 before any, then `initialMs · 2^(failures-1)`, capped
 * at `maxMs`. 100 ms doubling to 1 s: 100, 200, 400, 800, 1000, 1000 …; see `backoff.test.ts`.
 */
export function doublingDelayMs(failures: number, options: BackoffOptions): number {
  if (failures <= 0) return 0;
  // 2 ** 1100 is Infinity, and Math.min(Infinity, maxMs) is maxMs: no overflow to guard.
  return Math.min(options.maxMs, options.initialMs * 2 ** (failures - 1));
}

export interface RestartBackoffOptions extends BackoffOptions {
  /** A process that stayed up this long (ms) counts as healthy again, so its next crash waits `initialMs`. */
  readonly stableAfterMs: number;
}

/**
 * 100 ms doubling to `maxMs`, reset by 10 s of healthy running: the watchdog's user process (`maxMs` is
 * `SPOOL_RESTART_BACKOFF_MAX_MS`) and the process runtime's replicas (30 s).
 */
export const restartBackoff = (maxMs: number): RestartBackoffOptions => ({
  initialMs: 100,
  maxMs,
  stableAfterMs: 10_000,
});

export interface RestartDecision {
  /** Crashes in a row, this one included: the state to pass in at the next crash. */
  readonly crashes: number;
  readonly delayMs: number;
}

/**
 * What to do when a process crashed after running `upForMs`, with `previousCrashes` quick crashes before it
 * (0 at first): a crash after a stable run starts the count again at 1, a quick one adds to it, so a broken
 * command backs off instead of spinning.
 */
export function decideRestart(
  previousCrashes: number,
  upForMs: number,
  options: RestartBackoffOptions,
): RestartDecision {
  const crashes = upForMs >= options.stableAfterMs ? 1 : previousCrashes + 1;
  return { crashes, delayMs: doublingDelayMs(crashes, options) };
}
