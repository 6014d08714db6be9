// How soon reconcile looks at a served function again, from the status it just wrote: a pure decision.
import type { FunctionStatus } from '@spool/api';

/** Status counts (queued, ready) drift without any event; refresh them this often. */
export const STATUS_RESYNC_MS = 10_000;
/** While replicas start: how soon a pod's crash or pull failure shows (issue 12: the reason within 30 s). */
export const STARTING_RECHECK_MS = 2_000;
/** However many Functions start at once, each is looked at again within this, inside issue 12's 30 s. */
export const STARTING_RECHECK_MAX_MS = 20_000;
/**
 * Resyncs a second across all Functions, at most: past 2,500 Functions each is refreshed less often than every
 * 10 s. At 10,000 Functions a 10 s pace was 1,000 reconciles a second, as much controller CPU as the first
 * reconciles themselves, on cores the API server needs.
 */
export const RESYNCS_PER_SECOND = 250;

const STARTING_REASONS = new Set(['Starting', 'Deploying']);

/**
 * A pod that crashes or cannot pull changes no Deployment field, so no event brings its reason before the next
 * resync: while replicas start, look again sooner. A function at zero, serving or known broken keeps the usual pace.
 * Both slow down as `servedFunctions` grows, so all resyncs together stay within RESYNCS_PER_SECOND.
 */
export function resyncAfterMs(status: FunctionStatus, servedFunctions: number): number {
  const spreadMs = (servedFunctions / RESYNCS_PER_SECOND) * 1000;
  const ready = status.conditions?.find((c) => c.type === 'Ready');
  return STARTING_REASONS.has(ready?.reason ?? '')
    ? Math.min(Math.max(STARTING_RECHECK_MS, spreadMs), STARTING_RECHECK_MAX_MS)
    : Math.max(STATUS_RESYNC_MS, spreadMs);
}
