// Waits for a condition on real state: retries `check` until it stops throwing, or fails with its last error.

export interface EventuallyOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
}

export async function eventually<T>(
  check: () => T | Promise<T>,
  options: EventuallyOptions = {},
): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 50 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) throw new Error(`not true after ${timeoutMs} ms`, { cause: error });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
