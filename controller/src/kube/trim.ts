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

const keptCondition = (c: V1DeploymentCondition): V1DeploymentCondition => ({
  type: c.type,
  status: c.status,
  ...(c.reason === undefined ? {} : { reason: c.reason }),
});

/**
 * A Deployment as the Kubernetes runtime reads it: metadata (labels, annotations, owners), spec.replicas, and the
 * status counts and conditions. The pod template and strategy are dropped.
 */
export function trimDeployment(d: V1Deployment): V1Deployment {
  const { spec, status } = d;
  return {
    ...(d.apiVersion === undefined ? {} : { apiVersion: d.apiVersion }),
    ...(d.kind === undefined ? {} : { kind: d.kind }),
    ...(d.metadata ? { metadata: trimMetadata(d.metadata) } : {}),
    // The template is required by the type, never read from the cache: an empty one stands in.
    ...(spec
      ? {
          spec: {
            ...(spec.replicas === undefined ? {} : { replicas: spec.replicas }),
            selector: spec.selector,
            template: {},
          },
        }
      : {}),
    ...(status
      ? {
          status: {
            ...(status.observedGeneration === undefined
              ? {}
              : { observedGeneration: status.observedGeneration }),
            ...(status.replicas === undefined ? {} : { replicas: status.replicas }),
            ...(status.readyReplicas === undefined ? {} : { readyReplicas: status.readyReplicas }),
            ...(status.updatedReplicas === undefined ? {} : { updatedReplicas: status.updatedReplicas }),
            ...(status.availableReplicas === undefined
              ? {}
              : { availableReplicas: status.availableReplicas }),
            ...(status.conditions ? { conditions: status.conditions.map(keptCondition) } : {}),
          },
        }
      : {}),
  };
}
