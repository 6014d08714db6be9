// The local stack's restart policy (issue 10, item 4), pure: what a child's exit means and how long to wait.
import type { RestartBackoffOptions, RestartDecision } from '@spool/api';

/** 200 ms doubling to 5 s, reset after 10 s of healthy life: api `decideRestart` with the stack's own numbers. */
export const LOCAL_STACK_BACKOFF: RestartBackoffOptions = {
  initialMs: 200,
  maxMs: 5_000,
  stableAfterMs: 10_000,
};

/** The one line printed when a child exits: what, how, after how long, and what happens next. */
export function describeRestart(
  name: string,
  exit: { code: number | null; signal: string | null },
  livedMs: number,
  decision: RestartDecision,
): string {
  const how = exit.signal ?? `code ${exit.code ?? '?'}`;
  const crashes = decision.crashes > 1 ? `, crash ${decision.crashes} in a row` : '';
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
