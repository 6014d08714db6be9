// When the watchdog stops restarting a user process that keeps crashing at start and exits itself, so that
// Kubernetes' CrashLoopBackOff carries the reason in the container's termination message (issue 12).

export interface CrashObservation {
  /** Quick crashes in a row (api `decideRestart`: a process up for `stableAfterMs` resets the count). */
  readonly crashesInARow: number;
  /** `exitAfterStartCrashes` from the config; 0 keeps restarting for ever (local mode). */
  readonly exitAfter: number;
}

/** True when this crash is the one to give up on: the pod's restart, not ours, comes next. */
export function decideCrashExit(o: CrashObservation): boolean {
  return o.exitAfter > 0 && o.crashesInARow >= o.exitAfter;
}

/** Kubernetes keeps at most 4096 bytes of a termination message; the tail holds the error, so keep the end. */
export const TERMINATION_MESSAGE_BYTES = 4096;

/** The termination message: the user process's last exit and stderr tail, cut to what Kubernetes keeps. */
export function terminationMessage(lastExit: string): string {
  const text = `user process ${lastExit}`;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= TERMINATION_MESSAGE_BYTES) return text;
  return `…${bytes.subarray(bytes.length - TERMINATION_MESSAGE_BYTES + 4).toString('utf8')}`;
}
