// Why no local replica serves, from the process runtime's own records and each replica's `/_/ready` answer: a
// pure decision (local-failure.test.ts), the local twin of reconcile/pod-failure.ts.
import type { ReplicaFailure } from '../reconcile/pod-failure.js';

/** This many exits in a row, each within HEALTHY_LIFETIME_MS of its start, is a crash loop (status `CrashLoopBackOff`). */
export const CRASH_LOOP_EXITS = 2;

export interface LocalReplicaObservation {
  readonly startedAtMs: number;
  /** Answered ready at least once: a later hiccup is not a start that timed out. */
  readonly becameReady: boolean;
  readonly ready: boolean;
  /** The watchdog's crash-loop answer on `/_/ready`: the user process's last exit and stderr tail. */
  readonly crashLoop?: string | undefined;
}

export interface LocalFailureObservation {
  /** Replicas (watchdogs) that exited soon after their start, in a row. */
  readonly consecutiveCrashes: number;
  readonly lastExit: string | undefined;
  /** The live replicas. */
  readonly replicas: readonly LocalReplicaObservation[];
  /** The watchdog's start timeout: a replica never ready this long after its start is a StartTimeout. */
  readonly startTimeoutMs: number;
}

function startTimeout(o: LocalFailureObservation, nowMs: number): ReplicaFailure | undefined {
  if (o.replicas.some((r) => r.ready)) return undefined;
  const stuck = o.replicas.filter((r) => !r.becameReady && nowMs - r.startedAtMs > o.startTimeoutMs);
  const oldest = Math.min(...stuck.map((r) => r.startedAtMs));
  if (stuck.length === 0) return undefined;
  return {
    reason: 'StartTimeout',
    message: `not ready ${Math.round((nowMs - oldest) / 1000)} s after start (start timeout ${o.startTimeoutMs / 1000} s): the user process does not accept connections`,
  };
}

export function decideLocalFailure(o: LocalFailureObservation, nowMs: number): ReplicaFailure | undefined {
  if (o.consecutiveCrashes >= CRASH_LOOP_EXITS)
    return {
      reason: 'CrashLoopBackOff',
      message: `replicas exit soon after they start and restart with backoff; last ${o.lastExit ?? 'exit unknown'}`,
    };
  const crashLoop = o.replicas.find((r) => r.crashLoop !== undefined)?.crashLoop;
  if (crashLoop !== undefined) return { reason: 'CrashLoopBackOff', message: crashLoop };
  return startTimeout(o, nowMs);
}
