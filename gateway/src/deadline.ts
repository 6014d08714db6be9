// A promise raced against a deadline, so neither a call nor shutdown waits on a dead Redis connection (issue 10).

export class DeadlineExceeded extends Error {}

/** Resolves or rejects as `work` does, or rejects with DeadlineExceeded after `ms`; `work` keeps running. */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
