// Why no replica of a function can serve, read from its pods and Deployment: a pure decision, so every pod and
// container state is a table row (pod-failure.test.ts). The Kubernetes runtime feeds it from the API; the
// reason names come from api/src/status-reasons.ts.
import type { ReplicaFailureReason } from '@spool/api';

export interface ReplicaFailure {
  readonly reason: ReplicaFailureReason;
  readonly message: string;
}

interface ObservedTermination {
  readonly exitCode?: number | undefined;
  readonly signal?: number | undefined;
  readonly reason?: string | undefined;
  /** The container's termination message: the watchdog writes the user process's exit and stderr tail there. */
  readonly message?: string | undefined;
}

interface ObservedContainerState {
  readonly waiting?:
    { readonly reason?: string | undefined; readonly message?: string | undefined } | undefined;
  readonly terminated?: ObservedTermination | undefined;
  readonly running?: object | undefined;
}

export interface ObservedContainer {
  readonly name: string;
  readonly image?: string | undefined;
  readonly ready: boolean;
  readonly restartCount?: number | undefined;
  readonly state?: ObservedContainerState | undefined;
  readonly lastState?: ObservedContainerState | undefined;
}

interface ObservedCondition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string | undefined;
  readonly message?: string | undefined;
}

/** The parts of a V1Pod this decision reads (a V1Pod's `status` fits). */
export interface ObservedPod {
  readonly startTime?: Date | string | undefined;
  readonly conditions?: readonly ObservedCondition[] | undefined;
  readonly containerStatuses?: readonly ObservedContainer[] | undefined;
}

export interface FailureObservation {
  readonly pods: readonly ObservedPod[];
  /** The Deployment's conditions: ReplicaFailure carries the ReplicaSet's quota refusal. */
  readonly deploymentConditions: readonly ObservedCondition[];
  /** A pod not ready this long after it started is a StartTimeout. */
  readonly startTimeoutMs: number;
}

const PULL_REASONS = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull']);
const CONFIG_REASONS = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

/** "exit code 3", "signal 9 (SIGKILL)", plus the termination message (stderr tail) when there is one. */
export function describeTermination(t: ObservedTermination): string {
  const how =
    t.signal !== undefined && t.signal !== 0
      ? `killed by signal ${t.signal}`
      : t.exitCode !== undefined && t.exitCode > 128 && t.exitCode < 160
        ? `exit code ${t.exitCode} (signal ${t.exitCode - 128})`
        : `exit code ${t.exitCode ?? 'unknown'}`;
  const message = t.message?.trim();
  return message ? `${how}: ${message}` : how;
}

const waitingReason = (c: ObservedContainer): string => c.state?.waiting?.reason ?? '';

function pullFailure(c: ObservedContainer): ReplicaFailure | undefined {
  const waiting = c.state?.waiting;
  if (!waiting || !PULL_REASONS.has(waitingReason(c))) return undefined;
  const detail = waiting.message ? `: ${waiting.message}` : '';
  return {
    reason: 'ImagePullBackOff',
    message: `container ${c.name}: image ${c.image ?? '?'} (${waitingReason(c)})${detail}`,
  };
}

function configFailure(c: ObservedContainer): ReplicaFailure | undefined {
  if (!CONFIG_REASONS.has(waitingReason(c))) return undefined;
  return {
    reason: 'ContainerConfigError',
    message: `container ${c.name}: ${c.state?.waiting?.message ?? waitingReason(c)}`,
  };
}

const isFailedExit = (t: ObservedTermination): boolean => t.exitCode !== 0 || (t.signal ?? 0) !== 0;

/** Waiting in CrashLoopBackOff (its last termination says how it ended), or terminated non-zero right now. */
function crashFailure(c: ObservedContainer): ReplicaFailure | undefined {
  const backingOff = waitingReason(c) === 'CrashLoopBackOff';
  const ended = c.state?.terminated ?? (backingOff ? c.lastState?.terminated : undefined);
  const failed = ended !== undefined && isFailedExit(ended);
  if (!backingOff && !failed) return undefined;
  const exit = ended ? describeTermination(ended) : 'restarting with backoff';
  return { reason: 'CrashLoopBackOff', message: `container ${c.name} ${exit}` };
}

const containerFailure = (c: ObservedContainer): ReplicaFailure | undefined =>
  pullFailure(c) ?? configFailure(c) ?? crashFailure(c);

function unschedulable(p: ObservedPod): ReplicaFailure | undefined {
  const scheduled = p.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status !== 'False' || scheduled.reason !== 'Unschedulable') return undefined;
  return { reason: 'Unschedulable', message: scheduled.message ?? 'no node fits the pod' };
}

function startTimeout(p: ObservedPod, nowMs: number, startTimeoutMs: number): ReplicaFailure | undefined {
  if (p.startTime === undefined) return undefined;
  const ageMs = nowMs - new Date(p.startTime).getTime();
  const ready = p.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  if (ready || ageMs <= startTimeoutMs) return undefined;
  return {
    reason: 'StartTimeout',
    message: `not ready ${Math.round(ageMs / 1000)} s after start (start timeout ${startTimeoutMs / 1000} s)`,
  };
}

function podFailure(p: ObservedPod, nowMs: number, startTimeoutMs: number): ReplicaFailure | undefined {
  const containers = (p.containerStatuses ?? []).map(containerFailure).find((f) => f !== undefined);
  return unschedulable(p) ?? containers ?? startTimeout(p, nowMs, startTimeoutMs);
}

/**
 * The first pod's reason no replica serves, or the Deployment's quota refusal; undefined when nothing is known
 * to be wrong (pods starting within their timeout). Call it only when no replica is ready.
 */
export function decidePodFailure(o: FailureObservation, nowMs: number): ReplicaFailure | undefined {
  const refused = o.deploymentConditions.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  if (refused && /quota/i.test(`${refused.reason ?? ''} ${refused.message ?? ''}`))
    return { reason: 'QuotaExceeded', message: refused.message ?? 'the namespace quota refuses new pods' };
  for (const p of o.pods) {
    const failure = podFailure(p, nowMs, o.startTimeoutMs);
    if (failure) return failure;
  }
  return undefined;
}
