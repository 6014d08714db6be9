// How soon reconcile looks at a served function again, from the status it just wrote: a pure decision.
import type { FunctionStatus } from '@spool/api';

/** Status counts (queued, ready) drift without any event; refresh them this often. */
export const STATUS_RESYNC_MS = 10_000;
/** While replicas start: how soon a pod's crash or pull failure shows (issue 12: the reason within 30 s). */
export const STARTING_RECHECK_MS = 2_000;

const STARTING_REASONS = new Set(['Starting', 'Deploying']);

/**
 * A pod that crashes or cannot pull changes no Deployment field, so no event brings its reason before the next
 * resync: while replicas start, look again sooner. A function at zero, serving or known broken keeps the usual pace.
 */
export function resyncAfterMs(status: FunctionStatus): number {
  const ready = status.conditions?.find((c) => c.type === 'Ready');
  return STARTING_REASONS.has(ready?.reason ?? '') ? STARTING_RECHECK_MS : STATUS_RESYNC_MS;
}
