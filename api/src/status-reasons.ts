// Every reason a Function's Ready and Valid conditions can carry, in one table: the short state the
// `kubectl get fn` STATUS column shows, whether a call should fail fast (issue 12), and what it means.
// Add a reason here and the status function, the gateway and docs/function-reference.md all know it.
import type { Condition } from './function-schema.js';

export interface StatusReason {
  readonly condition: 'Ready' | 'Valid';
  /** One short word for the STATUS printer column (`status.state`). */
  readonly state: string;
  /** No replica can take a call until someone changes something: sync calls get 503 at once. */
  readonly broken: boolean;
  readonly meaning: string;
}

export const statusReasons = {
  SpecValid: { condition: 'Valid', state: 'Valid', broken: false, meaning: 'The spec validates.' },
  InvalidSpec: {
    condition: 'Valid',
    state: 'Invalid',
    broken: true,
    meaning: "The spec fails Spool's validation; the message lists each problem.",
  },
  Rejected: {
    condition: 'Valid',
    state: 'Invalid',
    broken: true,
    meaning:
      "The API server refused the function's Deployment (for example a bad resource quantity); the message is the server's own. Not retried until the Function changes.",
  },
  Deploying: {
    condition: 'Ready',
    state: 'Deploying',
    broken: false,
    meaning: 'The replicas are being created.',
  },
  ScaledToZero: {
    condition: 'Ready',
    state: 'Idle',
    broken: false,
    meaning: 'No replicas; the next call starts one.',
  },
  Serving: {
    condition: 'Ready',
    state: 'Ready',
    broken: false,
    meaning: 'At least one replica takes calls.',
  },
  Starting: {
    condition: 'Ready',
    state: 'Starting',
    broken: false,
    meaning: 'Replicas are starting; calls queue until one is ready.',
  },
  RolloutStuck: {
    condition: 'Ready',
    state: 'Stuck',
    broken: false,
    meaning: 'The Deployment exceeded its progress deadline; check its pods.',
  },
  CrashLoopBackOff: {
    condition: 'Ready',
    state: 'CrashLoop',
    broken: true,
    meaning:
      'The user process keeps exiting soon after it starts; the message carries its exit code or signal and the last lines of its stderr.',
  },
  ImagePullBackOff: {
    condition: 'Ready',
    state: 'ImagePull',
    broken: true,
    meaning: "The node cannot pull the function's image; the message names the image and the node's reason.",
  },
  ContainerConfigError: {
    condition: 'Ready',
    state: 'ConfigError',
    broken: true,
    meaning: 'The container cannot be created from its configuration (a missing Secret or ConfigMap key).',
  },
  StartTimeout: {
    condition: 'Ready',
    state: 'StartTimeout',
    broken: true,
    meaning: 'No replica became ready within the start timeout.',
  },
  Unschedulable: {
    condition: 'Ready',
    state: 'Unschedulable',
    broken: true,
    meaning: "No node can run a replica; the message is the scheduler's.",
  },
  QuotaExceeded: {
    condition: 'Ready',
    state: 'Quota',
    broken: true,
    meaning: "The namespace's ResourceQuota refuses new replicas; the message is the API server's.",
  },
} as const satisfies Record<string, StatusReason>;

export type StatusReasonName = keyof typeof statusReasons;

export const isStatusReason = (value: string): value is StatusReasonName =>
  Object.hasOwn(statusReasons, value);

/** Reasons the Ready condition carries when no replica can serve (see `decidePodFailure` in the controller). */
export type ReplicaFailureReason =
  | 'CrashLoopBackOff'
  | 'ImagePullBackOff'
  | 'ContainerConfigError'
  | 'StartTimeout'
  | 'Unschedulable'
  | 'QuotaExceeded';

/** The short state for a status: Valid=False wins, then the Ready reason. */
export function statusState(status: { readonly conditions?: readonly Condition[] | undefined }): string {
  const conditions = status.conditions ?? [];
  const invalid = conditions.find((c) => c.type === 'Valid' && c.status === 'False');
  const ready = conditions.find((c) => c.type === 'Ready');
  const reason = invalid?.reason ?? ready?.reason;
  if (reason === undefined) return 'Unknown';
  return isStatusReason(reason) ? statusReasons[reason].state : reason;
}

/**
 * Why a call cannot be served now, when the status says no replica can take it (a broken reason on a False
 * condition); undefined when the function is serving, idle or only starting, so calls queue as usual.
 */
export function unavailableReason(
  status: { readonly conditions?: readonly Condition[] | undefined } | undefined,
): string | undefined {
  const conditions = status?.conditions ?? [];
  // Valid first: its message is the one a person can act on (Ready then only says "see the Valid condition").
  for (const c of [...conditions].sort((a, b) => (a.type === 'Valid' ? -1 : b.type === 'Valid' ? 1 : 0))) {
    if (c.status !== 'False' || !isStatusReason(c.reason) || !statusReasons[c.reason].broken) continue;
    return c.message === '' ? c.reason : `${c.reason}: ${c.message}`;
  }
  return undefined;
}
