// The status a Function should show: a pure function of what was observed. Conditions keep their
// lastTransitionTime while their status holds, as Kubernetes conventions require.
import { statusState, type Condition, type FunctionStatus, type Problem } from '@spool/api';
import type { ReplicaFailure } from './pod-failure.js';

/**
 * What a runtime saw of a function's replicas, in either mode: a Deployment's status (Kubernetes) or the
 * watchdog processes (process runtime). See `Runtime.observe`.
 */
export interface ObservedReplicas {
  /** Replicas the runtime is set to run. */
  readonly desiredReplicas: number;
  /** Replicas that exist, old and new. */
  readonly replicas: number;
  readonly readyReplicas: number;
  /** Kubernetes: the Deployment reports ProgressDeadlineExceeded. */
  readonly progressDeadlineExceeded: boolean;
  /**
   * Why replicas cannot serve (crash loop, image pull, quota, ...), when the runtime knows; it counts only while
   * no replica is ready.
   */
  readonly failure: ReplicaFailure | undefined;
}

export interface ObservedFunction {
  readonly generation: number;
  readonly problems: readonly Problem[];
  /** Why the function's replicas cannot be applied: its Deployment's name is taken by someone else's. */
  readonly conflict?: string | undefined;
  /** Where the spec was read from (local mode: `file (document N)`), named in the Valid message. */
  readonly origin?: string | undefined;
  /** Undefined when the runtime has nothing for the function (yet). */
  readonly deployment: ObservedReplicas | undefined;
  readonly queued: number;
  readonly previous: readonly Condition[];
  /**
   * Whether the function's replicas use a Redis user of their own (docs/security.md, "Redis isolation"); false
   * in shared-credential mode (SPOOL_REDIS_ACL=off). @defaultValue true
   */
  readonly redisIsolated?: boolean;
  /** The API server refused what the runtime applied (its own message): a spec Spool's schema let through. */
  readonly rejected?: string | undefined;
}

type NewCondition = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

function notReady(d: ObservedReplicas): NewCondition | undefined {
  if (d.progressDeadlineExceeded) {
    return {
      type: 'Ready',
      status: 'False',
      reason: 'RolloutStuck',
      message: 'the Deployment exceeded its progress deadline; check its pods',
    };
  }
  if (d.failure && d.readyReplicas === 0 && d.desiredReplicas > 0) {
    return { type: 'Ready', status: 'False', ...d.failure };
  }
  return undefined;
}

function readyCondition(o: ObservedFunction): NewCondition {
  const d = o.deployment;
  // Ready repeats Valid's reason and message, so `kubectl get fn -o wide` shows them.
  const valid = validCondition(o);
  if (valid.status === 'False') return { ...valid, type: 'Ready' };
  if (!d)
    return {
      type: 'Ready',
      status: 'Unknown',
      reason: 'Deploying',
      message: 'the replicas are being created',
    };
  const stuck = notReady(d);
  if (stuck) return stuck;
  if (d.desiredReplicas === 0) {
    return {
      type: 'Ready',
      status: 'True',
      reason: 'ScaledToZero',
      message: 'no replicas; the next call starts one',
    };
  }
  if (d.readyReplicas > 0) {
    return {
      type: 'Ready',
      status: 'True',
      reason: 'Serving',
      message: `${d.readyReplicas} of ${d.desiredReplicas} replicas ready`,
    };
  }
  return {
    type: 'Ready',
    status: 'False',
    reason: 'Starting',
    message: `0 of ${d.desiredReplicas} replicas ready`,
  };
}

function validCondition(o: ObservedFunction): NewCondition {
  if (o.rejected !== undefined)
    return { type: 'Valid', status: 'False', reason: 'Rejected', message: o.rejected };
  if (o.problems.length === 0 && o.conflict !== undefined)
    return { type: 'Valid', status: 'False', reason: 'DeploymentConflict', message: o.conflict };
  if (o.problems.length === 0) return { type: 'Valid', status: 'True', reason: 'SpecValid', message: '' };
  const problems = o.problems.map((p) => `${p.path || '(root)'} ${p.message}`).join('; ');
  return {
    type: 'Valid',
    status: 'False',
    reason: 'InvalidSpec',
    message: o.origin === undefined ? problems : `${o.origin}: ${problems}`,
  };
}

/** Said on every Function, so a tenant can see whether another tenant's code could reach its calls. */
function isolationCondition(o: ObservedFunction): NewCondition {
  return (o.redisIsolated ?? true)
    ? {
        type: 'RedisIsolated',
        status: 'True',
        reason: 'OwnRedisUser',
        message: "replicas reach only this function's keys and reply scope",
      }
    : {
        type: 'RedisIsolated',
        status: 'False',
        reason: 'SharedCredential',
        message:
          'Redis ACL management is off (SPOOL_REDIS_ACL=off): every function shares one credential, so any function can read and answer the calls of every other',
      };
}

function withTransition(
  next: NewCondition,
  previous: readonly Condition[],
  generation: number,
  nowIso: string,
): Condition {
  const before = previous.find((c) => c.type === next.type);
  const lastTransitionTime = before && before.status === next.status ? before.lastTransitionTime : nowIso;
  return { ...next, lastTransitionTime, observedGeneration: generation };
}

export function functionStatus(o: ObservedFunction, nowMs: number): FunctionStatus {
  const nowIso = new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const conditions = [readyCondition(o), validCondition(o), isolationCondition(o)].map((c) =>
    withTransition(c, o.previous, o.generation, nowIso),
  );
  return {
    observedGeneration: o.generation,
    replicas: o.deployment?.desiredReplicas ?? 0,
    readyReplicas: o.deployment?.readyReplicas ?? 0,
    queued: o.queued,
    state: statusState({ conditions }),
    conditions,
  };
}
