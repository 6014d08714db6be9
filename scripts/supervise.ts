// The local stack's restart policy (issue 10, item 4), pure: what a child's exit means and how long to wait.
// A small local backoff for now; a shared restart-backoff in api can replace restartDelayMs later.

export interface RestartPolicy {
  /** Delay before the first restart after a crash; it doubles with each early crash. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A child that ran this long before exiting counts as healthy: the backoff starts over. */
  readonly healthyAfterMs: number;
}

export const defaultRestartPolicy: RestartPolicy = {
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  healthyAfterMs: 10_000,
};

export interface RestartDecision {
  /** Early crashes in a row, this one included. */
  readonly consecutiveCrashes: number;
  readonly delayMs: number;
}

/** A child exited on its own after `livedMs`, following `previousCrashes` early crashes: when to start it again. */
export function decideRestart(
  previousCrashes: number,
  livedMs: number,
  policy: RestartPolicy = defaultRestartPolicy,
): RestartDecision {
  const consecutiveCrashes = livedMs >= policy.healthyAfterMs ? 1 : previousCrashes + 1;
  const delayMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (consecutiveCrashes - 1));
  return { consecutiveCrashes, delayMs };
}

/** The one line printed when a child exits: what, how, after how long, and what happens next. */
export function describeRestart(
  name: string,
  exit: { code: number | null; signal: string | null },
  livedMs: number,
  decision: RestartDecision,
): string {
  const how = exit.signal ?? `code ${exit.code ?? '?'}`;
  const crashes = decision.consecutiveCrashes > 1 ? `, crash ${decision.consecutiveCrashes} in a row` : '';
  return `spool: ${name} exited (${how}) after ${(livedMs / 1000).toFixed(1)} s; restarting in ${decision.delayMs} ms${crashes}`;
}

/** `LOCAL_SPOOL_STACK` values: `<stack>/<child>/<generation>`, so one exited child's descendants can be told apart. */
export const stackTag = (stack: string, child: string, generation: number): string =>
  `${stack}/${child}/${generation}`;

/**
 * Of the processes carrying a dead child's tag, those to SIGTERM first: the ones whose parent does not carry it
 * (orphaned watchdogs). Their own children (user processes) are left to them, then SIGKILLed with the rest.
 */
export function orphanRoots(processes: readonly { pid: number; ppid: number }[]): number[] {
  const tagged = new Set(processes.map((p) => p.pid));
  return processes.filter((p) => !tagged.has(p.ppid)).map((p) => p.pid);
}
