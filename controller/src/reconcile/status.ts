// The status a Function should show: a pure function of what was observed. Conditions keep their
// lastTransitionTime while their status holds, as Kubernetes conventions require.
import type { Condition, FunctionStatus, Problem } from '@spool/api';

export interface ObservedFunction {
  readonly generation: number;
  readonly problems: readonly Problem[];
  /** The Deployment's status, or undefined if it does not exist (yet). */
  readonly deployment:
    | { replicas: number; readyReplicas: number; desiredReplicas: number; progressDeadlineExceeded: boolean }
    | undefined;
  readonly queued: number;
  readonly previous: readonly Condition[];
}

type NewCondition = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

function readyCondition(o: ObservedFunction): NewCondition {
  const d = o.deployment;
  if (o.problems.length > 0)
    return { type: 'Ready', status: 'False', reason: 'InvalidSpec', message: 'see the Valid condition' };
  if (!d)
    return {
      type: 'Ready',
      status: 'Unknown',
      reason: 'Deploying',
      message: 'the Deployment is being created',
    };
  if (d.progressDeadlineExceeded) {
    return {
      type: 'Ready',
      status: 'False',
      reason: 'RolloutStuck',
      message: 'the Deployment exceeded its progress deadline; check its pods',
    };
  }
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
  if (o.problems.length === 0) return { type: 'Valid', status: 'True', reason: 'SpecValid', message: '' };
  return {
    type: 'Valid',
    status: 'False',
    reason: 'InvalidSpec',
    message: o.problems.map((p) => `${p.path} ${p.message}`).join('; '),
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
  return {
    observedGeneration: o.generation,
    replicas: o.deployment?.desiredReplicas ?? 0,
    readyReplicas: o.deployment?.readyReplicas ?? 0,
    queued: o.queued,
    conditions: [readyCondition(o), validCondition(o)].map((c) =>
      withTransition(c, o.previous, o.generation, nowIso),
    ),
  };
}
