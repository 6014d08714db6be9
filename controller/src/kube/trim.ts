// What the informer caches keep of each object: pure functions applied to every listed and watched object
// before it is cached. managedFields (server-side apply's bookkeeping) and a Deployment's pod template were
// most of each cached object and are never read: the apply skip compares the digest annotation, and replica
// counts and rollout state are all the runtime reads of a Deployment.
import type { V1Deployment, V1DeploymentCondition, V1ObjectMeta } from '@kubernetes/client-node';

/** kubectl's copy of the whole object it applied client-side, in an annotation. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Metadata without managedFields or kubectl's last-applied copy; every other field is kept. */
export function trimMetadata(metadata: V1ObjectMeta): V1ObjectMeta {
  const { managedFields: _managed, annotations, ...rest } = metadata;
  if (!annotations || !(LAST_APPLIED_ANNOTATION in annotations)) {
    return annotations ? { ...rest, annotations } : rest;
  }
  const { [LAST_APPLIED_ANNOTATION]: _lastApplied, ...kept } = annotations;
  return { ...rest, annotations: kept };
}

/** Any object with metadata, trimmed of managedFields; the rest (a Function's spec and status) is kept. */
export function trimObject<T extends { metadata?: V1ObjectMeta }>(object: T): T {
  return object.metadata ? { ...object, metadata: trimMetadata(object.metadata) } : object;
}

/** The named fields of `from` that are set; unset ones stay absent rather than undefined. */
function definedFields<T extends object, K extends keyof T>(from: T, names: readonly K[]): Pick<T, K> {
  const kept: Partial<Pick<T, K>> = {};
  for (const name of names) if (from[name] !== undefined) kept[name] = from[name];
  return kept as Pick<T, K>;
}

const keptCondition = (c: V1DeploymentCondition): V1DeploymentCondition =>
  // The message and times too: a ReplicaFailure's message says which quota refused the pods (status reasons).
  definedFields(c, ['type', 'status', 'reason', 'message', 'lastTransitionTime', 'lastUpdateTime']);

const STATUS_FIELDS = [
  'observedGeneration',
  'replicas',
  'readyReplicas',
  'updatedReplicas',
  'availableReplicas',
] as const;

/**
 * A Deployment as the Kubernetes runtime reads it: metadata (labels, annotations, owners), spec.replicas and
 * selector, and the status counts and conditions. The pod template and strategy are dropped.
 */
export function trimDeployment(d: V1Deployment): V1Deployment {
  const { metadata, spec, status } = d;
  const trimmed: V1Deployment = definedFields(d, ['apiVersion', 'kind']);
  if (metadata) trimmed.metadata = trimMetadata(metadata);
  // The template is required by the type, never read from the cache: an empty one stands in.
  if (spec) trimmed.spec = { ...definedFields(spec, ['replicas']), selector: spec.selector, template: {} };
  if (status) {
    trimmed.status = definedFields(status, STATUS_FIELDS);
    if (status.conditions) trimmed.status.conditions = status.conditions.map(keptCondition);
  }
  return trimmed;
}
