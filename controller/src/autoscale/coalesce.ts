// Per-key single flight: never two runs of one key at once; a request during a run buffers exactly one more.
// This is the de-duplicating part of a workqueue (style rule 5), without backoff: the autoscaler's timer retries.

export interface Coalescer {
  /** Runs `work(key)` now, or once more after the run in progress; resolves when the key is idle again. */
  run(key: string): Promise<void>;
  /** Resolves when nothing is running. */
  idle(): Promise<void>;
}

export function coalescer(work: (key: string) => Promise<void>): Coalescer {
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();

  const loop = async (key: string): Promise<void> => {
    try {
      do {
        again.delete(key);
        await work(key);
      } while (again.has(key));
    } finally {
      running.delete(key);
    }
  };

  return {
    run: (key) => {
      const current = running.get(key);
      if (current !== undefined) {
        again.add(key);
        return current;
      }
      const started = loop(key);
      running.set(key, started);
      return started;
    },
    idle: async () => {
      await Promise.allSettled([...running.values()]);
    },
  };
}
