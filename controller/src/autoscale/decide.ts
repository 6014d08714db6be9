// The autoscaler's decision: a pure function of (observation, spec, previous state, now).
// Shaped after knative's `Scale(now)`, with every remembered value in `ScalerState` instead of hidden fields.
import type { ScaleSpec } from '@spool/api';

export interface QueueObservation {
  /** Jobs waiting to be picked up (BullMQ `wait` + `prioritized`). */
  readonly waiting: number;
  /** Jobs a replica is running now. */
  readonly active: number;
  /** Retries waiting for their backoff to pass. */
  readonly delayed: number;
  /** Replicas the runtime is currently set to. */
  readonly currentReplicas: number;
  /**
   * The function's call counter (`callCounterKey`: calls ever enqueued), or undefined when unreadable. A counter
   * that moved since the previous tick is activity, even with nothing queued or running at this instant.
   */
  readonly calls: number | undefined;
}

/** One raw recommendation kept for the scale-down window. */
export interface Sample {
  readonly atMs: number;
  readonly replicas: number;
}

/** An operator's request through `/system/scale-function`: a floor until `untilMs`. */
export interface ManualRequest {
  readonly replicas: number;
  readonly untilMs: number;
}

export interface ScalerState {
  /** Last time a call was enqueued, queued, running or waiting to retry; undefined before the first. */
  readonly lastActiveMs: number | undefined;
  /** The call counter at the previous tick; undefined before the first reading, or after a release. */
  readonly lastCalls: number | undefined;
  /** Recommendations within the scale-down window, strictly decreasing in `replicas`, so the first is the max. */
  readonly samples: readonly Sample[];
  readonly requested: ManualRequest | undefined;
}

export const initialScalerState: ScalerState = Object.freeze({
  lastActiveMs: undefined,
  lastCalls: undefined,
  samples: [],
  requested: undefined,
});

export type ScaleReason =
  /** Calls arrived for a function at zero replicas. */
  | 'wake'
  /** Replicas follow load / targetPerReplica. */
  | 'target'
  /** Load fell, but a higher recommendation is still inside scaleDownDelaySeconds. */
  | 'stabilising'
  /** No load, but the last call was less than idleSeconds ago: one replica stays warm. */
  | 'grace-period'
  /** No load for idleSeconds: down to `min`. */
  | 'idle'
  /** An operator's scale request holds the count. */
  | 'manual'
  | 'min'
  | 'max';

export interface Decision {
  readonly replicas: number;
  readonly state: ScalerState;
  readonly reason: ScaleReason;
}

/** Keeps samples newer than the window, dropping any an equal-or-larger newer sample dominates. */
function withSample(samples: readonly Sample[], sample: Sample, windowMs: number): Sample[] {
  const kept = samples.filter((s) => s.atMs > sample.atMs - windowMs && s.replicas > sample.replicas);
  return [...kept, sample];
}

interface Floors {
  readonly raw: number;
  readonly stabilised: number;
  readonly grace: number;
  readonly manual: number;
}

function unclampedReason(floors: Floors, unclamped: number): ScaleReason {
  if (unclamped === 0) return 'idle';
  if (floors.manual === unclamped && floors.manual > floors.stabilised) return 'manual';
  if (floors.raw === unclamped) return 'target';
  if (floors.stabilised === unclamped) return 'stabilising';
  return 'grace-period';
}

function reasonFor(floors: Floors, unclamped: number, replicas: number, obs: QueueObservation): ScaleReason {
  // Waking is the event that matters even when `max` or `min` shaped the count; see decide.test.ts 'wake from zero'.
  if (obs.currentReplicas === 0 && floors.raw > 0) return 'wake';
  if (replicas < unclamped) return 'max';
  if (replicas > unclamped && unclamped > 0) return 'min';
  return unclampedReason(floors, unclamped);
}

/**
 * Rules, each a row in decide.test.ts:
 * - raw = ceil((waiting + active) / targetPerReplica): 7 waiting + 2 active at target 4 → 3 ('rounds up').
 * - Scale-up is immediate; scale-down takes the max raw over the last scaleDownDelaySeconds
 *   ('stays up during the window', 'steps down after the window').
 * - With no load, one replica stays until idleSeconds after the last activity, then `min` ('to zero only after
 *   idleSeconds'). Delayed retries count as activity: BullMQ promotes them only while a worker runs.
 * - A call counter that moved since the previous tick is activity: calls shorter than the tick interval are
 *   seldom queued or running at the sampling instant, and steady traffic must not scale to zero ('steady low
 *   traffic ...' rows). The first reading only sets the baseline, so a controller restart is not activity.
 * - Replicas seen before any activity count as activity then, so a controller restart does not cut warm replicas.
 * - A manual request is a floor until its `untilMs` ('manual floor'); load may still take it higher.
 * - Everything is clamped to [min, max] ('clamp to max', 'min > 0 never goes below min').
 */
export function decide(obs: QueueObservation, spec: ScaleSpec, prev: ScalerState, nowMs: number): Decision {
  const raw = Math.ceil((obs.waiting + obs.active) / spec.targetPerReplica);
  const lastActiveMs = isActive(obs, raw, prev) ? nowMs : prev.lastActiveMs;
  const lastCalls = obs.calls ?? prev.lastCalls;
  const samples = withSample(prev.samples, { atMs: nowMs, replicas: raw }, spec.scaleDownDelaySeconds * 1000);
  const requested = requestedReplicas(prev, nowMs) > 0 ? prev.requested : undefined;
  const floors: Floors = {
    raw,
    stabilised: samples[0]?.replicas ?? raw,
    grace: isWithinGrace(lastActiveMs, spec, nowMs) ? 1 : 0,
    manual: requested?.replicas ?? 0,
  };
  const unclamped = Math.max(floors.raw, floors.stabilised, floors.grace, floors.manual);
  const replicas = Math.min(Math.max(unclamped, spec.min), spec.max);
  return {
    replicas,
    state: { lastActiveMs, lastCalls, samples, requested },
    reason: reasonFor(floors, unclamped, replicas, obs),
  };
}

const isActive = (obs: QueueObservation, raw: number, prev: ScalerState): boolean =>
  raw > 0 ||
  obs.delayed > 0 ||
  callsMoved(obs.calls, prev.lastCalls) ||
  (prev.lastActiveMs === undefined && obs.currentReplicas > 0);

/** Any change counts, a drop too: the key was deleted and counted up again. */
const callsMoved = (calls: number | undefined, lastCalls: number | undefined): boolean =>
  calls !== undefined && lastCalls !== undefined && calls !== lastCalls;

const isWithinGrace = (lastActiveMs: number | undefined, spec: ScaleSpec, nowMs: number): boolean =>
  lastActiveMs !== undefined && nowMs - lastActiveMs < spec.idleSeconds * 1000;

/**
 * The scale a runtime can give: `max` lowered to the runtime's `cap`, never below `min` or an operator's
 * `requested` count (both asked for explicitly; `scale.max` still bounds a request). See decide.test.ts
 * 'within capacity'.
 */
export function withinCapacity(spec: ScaleSpec, cap: number | undefined, requested = 0): ScaleSpec {
  if (cap === undefined || cap >= spec.max) return spec;
  return { ...spec, max: Math.min(spec.max, Math.max(cap, spec.min, requested, 1)) };
}

/** The replicas an operator's request holds at `nowMs`, 0 when there is none or it has run out. */
export const requestedReplicas = (state: ScalerState, nowMs: number): number =>
  state.requested !== undefined && state.requested.untilMs > nowMs ? state.requested.replicas : 0;

/**
 * Replicas of one function one machine can run side by side and gain from: each replica's call path keeps two
 * processes busy (its watchdog and the user server), and the gateway and Redis need the rest. Measured on 2 cores
 * (`npm run bench:replicas`): 2, 4 and 7 replicas of `echo` served 0.95x, 0.61x and 0.39x of one.
 */
export const localReplicaCapacity = (cores: number): number => Math.max(1, Math.floor(cores / 2));

/**
 * Applies a `/system/scale-function` request. A count above zero becomes a floor for idleSeconds, after which the
 * usual rules (window, idle) bring it down. Zero releases the function: the window, the warm replica and any
 * earlier request are dropped, so it goes to `min` at once unless calls are waiting ('scale request of 0').
 */
export function withScaleRequest(
  prev: ScalerState,
  replicas: number,
  spec: ScaleSpec,
  nowMs: number,
): ScalerState {
  if (replicas <= 0)
    // The counter's baseline goes too: calls counted before the release must not keep a replica warm after it.
    return {
      lastActiveMs: nowMs - spec.idleSeconds * 1000,
      lastCalls: undefined,
      samples: [],
      requested: undefined,
    };
  return { ...prev, requested: { replicas, untilMs: nowMs + spec.idleSeconds * 1000 } };
}

/**
 * True when `decide` can only answer "stay at zero": no calls queued, running or retrying, no replicas, and
 * `min` is 0. The timer skips such functions ('idle at zero' rows in decide.test.ts); a wake ticks them at once.
 */
export function isIdleAtZero(
  counts: Omit<QueueObservation, 'currentReplicas' | 'calls'>,
  replicas: number,
  spec: ScaleSpec,
): boolean {
  return (
    counts.waiting === 0 && counts.active === 0 && counts.delayed === 0 && replicas === 0 && spec.min === 0
  );
}
