// A level-triggered work queue keyed by `namespace/name`, after client-go's: a key queued many times is
// worked once, never by two workers at once, re-queued if it changed while being worked, and retried with
// doubling backoff when its work throws. Keys an event queued go before keys a timer queued (resyncs, retries).
import type { Clock, Timer } from '../clock.js';

export interface WorkResult {
  readonly requeueAfterMs?: number;
}

/** An error no retry can fix (an invalid spec): reported once, not retried. */
export class TerminalError extends Error {
  override name = 'TerminalError';
}

export interface WorkQueueOptions {
  readonly work: (key: string) => Promise<WorkResult>;
  readonly concurrency: number;
  readonly clock: Pick<Clock, 'setTimer'>;
  readonly onError: (key: string, error: unknown, retryInMs: number | undefined) => void;
  readonly baseBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export interface WorkQueue {
  add(key: string): void;
  addAfter(key: string, ms: number): void;
  /** Keys waiting or being worked. */
  size(): number;
  close(): void;
}

export function createWorkQueue(o: WorkQueueOptions): WorkQueue {
  const { baseBackoffMs = 100, maxBackoffMs = 60_000 } = o;
  /** Keys an event queued (`add`): a new or changed Function waits for no status refresh. */
  const waiting = new Set<string>();
  /**
   * Keys a timer queued (`addAfter`: status resyncs, retries), worked when no event waits. At 10,000 Functions the
   * resyncs alone are 1,000 a second; sharing one line with them, a new Function waited behind them.
   */
  const timed = new Set<string>();
  const active = new Set<string>();
  const dirty = new Set<string>();
  const failures = new Map<string, number>();
  const timers = new Map<string, Timer>();
  let closed = false;

  const backoffMs = (key: string): number => {
    const n = (failures.get(key) ?? 0) + 1;
    failures.set(key, n);
    return Math.min(baseBackoffMs * 2 ** (n - 1), maxBackoffMs);
  };

  const afterWork = (key: string, result: WorkResult | undefined, error: unknown): void => {
    active.delete(key);
    if (error === undefined) failures.delete(key);
    const retryIn = error === undefined || error instanceof TerminalError ? undefined : backoffMs(key);
    if (error !== undefined) o.onError(key, error, retryIn);
    const after = retryIn ?? result?.requeueAfterMs;
    if (after !== undefined) queue.addAfter(key, after);
    if (dirty.delete(key)) queue.add(key);
    pump();
  };

  const takeNext = (): string | undefined => {
    for (const set of [waiting, timed]) {
      for (const key of set) {
        set.delete(key);
        return key;
      }
    }
    return undefined;
  };

  const pump = (): void => {
    while (!closed && active.size < o.concurrency) {
      const key = takeNext();
      if (key === undefined) return;
      active.add(key);
      o.work(key).then(
        (result) => afterWork(key, result, undefined),
        (error: unknown) => afterWork(key, undefined, error ?? new Error('rejected')),
      );
    }
  };

  const queue: WorkQueue = {
    add(key) {
      if (closed) return;
      if (active.has(key)) dirty.add(key);
      else {
        timed.delete(key);
        waiting.add(key);
      }
      pump();
    },
    addAfter(key, ms) {
      if (closed) return;
      timers.get(key)?.cancel();
      timers.set(
        key,
        o.clock.setTimer(ms, () => {
          timers.delete(key);
          if (closed) return;
          if (active.has(key)) dirty.add(key);
          else if (!waiting.has(key)) timed.add(key);
          pump();
        }),
      );
    },
    size: () => waiting.size + timed.size + active.size,
    close() {
      closed = true;
      for (const t of timers.values()) t.cancel();
      timers.clear();
      waiting.clear();
      timed.clear();
    },
  };
  return queue;
}
