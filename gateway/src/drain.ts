// Shutdown in one documented order: go unready (healthz 503) → refuse new calls with 503 →
// wait for replies in flight, bounded → let the caller close the server and Redis.

export interface DrainState {
  readonly draining: () => boolean;
  /** Starts draining and resolves when nothing is in flight or `timeoutMs` has passed. */
  drain(inFlight: () => number, timeoutMs: number): Promise<{ leftInFlight: number }>;
}

export function createDrainState(sleep: (ms: number) => Promise<void>): DrainState {
  let draining = false;
  return {
    draining: () => draining,
    async drain(inFlight, timeoutMs) {
      draining = true;
      const pollMs = 50;
      for (let waited = 0; inFlight() > 0 && waited < timeoutMs; waited += pollMs) await sleep(pollMs);
      return { leftInFlight: inFlight() };
    },
  };
}
