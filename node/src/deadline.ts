// A promise raced against a deadline, so neither a call nor a shutdown step waits on a dead connection (issue 10).
import type { Clock } from '@spool/api';
import { systemClock } from './clock.js';

export class DeadlineExceeded extends Error {
  override name = 'DeadlineExceeded';
}

/**
 * Resolves or rejects as `work` does, or rejects with DeadlineExceeded after `ms`; `work` keeps running. The timer is
 * cancelled either way, so a finished step leaves nothing to keep the process alive.
 */
export function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  what: string,
  clock: Clock = systemClock,
): Promise<T> {
  let timer: { cancel(): void } | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = clock.setTimer(ms, () => reject(new DeadlineExceeded(`${what}: no answer within ${ms} ms`)));
  });
  return Promise.race([work, late]).finally(() => timer?.cancel());
}
