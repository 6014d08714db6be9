// How long to wait before restarting a user process that crashed: doubling, capped, reset after a stable run.

export interface RestartBackoffOptions {
  /** First delay after a crash. */
  readonly initialMs: number;
  /** Ceiling of the doubling (`restartBackoffMaxMs`). */
  readonly maxMs: number;
  /** A process that stayed up this long counts as healthy again, so its next crash starts at `initialMs`. */
  readonly stableAfterMs: number;
}

export const defaultRestartBackoff = (maxMs: number): RestartBackoffOptions => ({
  initialMs: 100,
  maxMs,
  stableAfterMs: 10_000,
});

/**
 * `previousDelayMs` is the delay chosen at the last crash (undefined for the first), `upForMs` how long the
 * process ran this time. 100 → 200 → 400 … → maxMs; see `restart-backoff.test.ts`.
 */
export function decideRestartDelayMs(
  previousDelayMs: number | undefined,
  upForMs: number,
  options: RestartBackoffOptions,
): number {
  if (previousDelayMs === undefined || upForMs >= options.stableAfterMs)
    return Math.min(options.initialMs, options.maxMs);
  return Math.min(previousDelayMs * 2, options.maxMs);
}
