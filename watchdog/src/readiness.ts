// Liveness and readiness are separate questions: restart me (health) versus send me work (ready).
import { encodeCrashLoopReason } from '@spool/api';

export type WatchdogPhase = 'starting' | 'running' | 'draining' | 'closed';

export interface WatchdogSnapshot {
  readonly phase: WatchdogPhase;
  /** The BullMQ worker's loop is pulling jobs. */
  readonly workerRunning: boolean;
  /** The user process is up and accepting work (always true in fork mode unless stopped). */
  readonly userProcessReady: boolean;
  /** A call timed out and the user process is being replaced; it takes no new call meanwhile. */
  readonly userProcessReplacing: boolean;
  /** The user process keeps exiting soon after it starts: how it last ended, with its stderr tail. */
  readonly userProcessCrashLoop?: string | undefined;
}

export interface ProbeDecision {
  readonly ok: boolean;
  readonly reason: string;
}

/**
 * `/_/health`: fails only when a restart of the pod would help, i.e. the worker loop died while running.
 * A user process that is down is the runner's to restart, so it makes the pod unready, not dead.
 */
export function decideLiveness(s: WatchdogSnapshot): ProbeDecision {
  if (s.phase === 'closed') return { ok: false, reason: 'closed' };
  if (s.phase === 'running' && !s.workerRunning) return { ok: false, reason: 'the queue worker stopped' };
  return { ok: true, reason: s.phase };
}

/** `/_/ready`: take calls only while running, with the worker pulling and the user process accepting work. */
export function decideReadiness(s: WatchdogSnapshot): ProbeDecision {
  if (s.phase !== 'running') return { ok: false, reason: s.phase };
  if (!s.workerRunning) return { ok: false, reason: 'the queue worker is not running' };
  if (s.userProcessReplacing)
    return { ok: false, reason: 'the user process is being replaced after a call timed out' };
  if (!s.userProcessReady && s.userProcessCrashLoop !== undefined)
    return { ok: false, reason: encodeCrashLoopReason(`user process ${s.userProcessCrashLoop}`) };
  if (!s.userProcessReady) return { ok: false, reason: 'the user process is not ready' };
  return { ok: true, reason: 'ready' };
}
