// Which dropped messages to log. A hostile writer can publish garbage as fast as Redis carries it, so a
// consumer logs the first bad message from each source and then at most one per interval, with the count dropped.

export interface DropLog {
  /**
   * Records one dropped message from `source` (a channel or key name, never a value from the message) and says
   * whether to log it: the number of drops since the last logged one, this one included, or undefined.
   */
  drop(source: string, nowMs: number): number | undefined;
}

export const DROP_LOG_INTERVAL_MS = 10_000;

export function dropLog(intervalMs = DROP_LOG_INTERVAL_MS): DropLog {
  const last = new Map<string, { atMs: number; dropped: number }>();
  return {
    drop(source, nowMs) {
      const seen = last.get(source);
      if (seen !== undefined && nowMs - seen.atMs < intervalMs) {
        seen.dropped += 1;
        return undefined;
      }
      last.set(source, { atMs: nowMs, dropped: 0 });
      return (seen?.dropped ?? 0) + 1;
    },
  };
}
