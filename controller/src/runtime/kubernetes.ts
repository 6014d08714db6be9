// The Kubernetes runtime: a function is a Deployment. apply = server-side apply of desiredDeployment
// under Spool's field manager (never owning spec.replicas); scale = the scale subresource; replicas are
// read from the Deployment informer's cache, so a tick costs no API request.
import { createHash } from 'node:crypto';
import {
  AppsV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Deployment,
} from '@kubernetes/client-node';
import {
  APPLIED_HASH_ANNOTATION,
  AUTOSCALER_FIELD_MANAGER,
  FIELD_MANAGER,
  FUNCTION_LABEL,
  deploymentName,
  functionKey,
  functionRef,
  type FunctionRef,
  type ResolvedFunction,
} from '@spool/api';
import { deploymentInformer, startInformer } from '../kube/informers.js';
import type { Log } from '../log.js';
import { desiredDeployment, type DesiredDeploymentOptions } from '../reconcile/desired.js';
import type { ObservedReplicas } from '../reconcile/status.js';
import type { FunctionRedisCredential, ReplicaCounts, Runtime } from './runtime.js';

export interface KubernetesRuntimeOptions {
  readonly kc: KubeConfig;
  readonly desired: DesiredDeploymentOptions;
  readonly log: Log;
}

const appliedHash = (d: V1Deployment): string | undefined =>
  d.metadata?.annotations?.[APPLIED_HASH_ANNOTATION];

/** Stamps the desired Deployment with a digest of itself, so an unchanged one is recognised in the cache. */
function withAppliedHash(d: V1Deployment): V1Deployment {
  const digest = createHash('sha256').update(JSON.stringify(d)).digest('hex').slice(0, 16);
  return {
    ...d,
    metadata: {
      ...d.metadata,
      annotations: { ...d.metadata?.annotations, [APPLIED_HASH_ANNOTATION]: digest },
    },
  };
}

const statusOf = (error: unknown): number | undefined => (error as { code?: number }).code;

/** The Function a Deployment belongs to, from the label the desired Deployment sets. */
const ownerKey = (d: V1Deployment): string | undefined => {
  const name = d.metadata?.labels?.[FUNCTION_LABEL];
  return name === undefined ? undefined : `${d.metadata?.namespace ?? 'default'}/${name}`;
};

const observed = (d: V1Deployment): ObservedReplicas => ({
  desiredReplicas: d.spec?.replicas ?? 0,
  replicas: d.status?.replicas ?? 0,
  readyReplicas: d.status?.readyReplicas ?? 0,
  progressDeadlineExceeded: (d.status?.conditions ?? []).some(
    (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
  ),
  // Seen per pod (CrashLoopBackOff), which this runtime does not watch; RolloutStuck covers a rollout that fails.
  crashLooping: false,
});

export function createKubernetesRuntime(o: KubernetesRuntimeOptions): Runtime {
  const objects = KubernetesObjectApi.makeApiClient(o.kc);
  const apps = o.kc.makeApiClient(AppsV1Api);
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const deployments = deploymentInformer(o.kc);
  let stopInformer: (() => Promise<void>) | undefined;

  /**
   * A new Deployment is created at `scale.min` replicas by the autoscaler's field manager, so it never starts
   * with the default single pod, and spec.replicas stays owned by the autoscaler: the apply that follows
   * takes every other field (force) and leaves replicas alone.
   */
  const createAtMin = async (deployment: V1Deployment, replicas: number): Promise<void> => {
    const namespace = deployment.metadata?.namespace ?? 'default';
    const body = { ...deployment, spec: { ...deployment.spec!, replicas } };
    try {
      await apps.createNamespacedDeployment({ namespace, body, fieldManager: AUTOSCALER_FIELD_MANAGER });
    } catch (error) {
      if (statusOf(error) !== 409)
        throw new Error(`creating Deployment ${namespace}/${deployment.metadata?.name}`, { cause: error });
    }
  };

  return {
    async start() {
      stopInformer = await startInformer(deployments, 'deployments', o.log);
    },

    async apply(fn: ResolvedFunction, credential?: FunctionRedisCredential) {
      const desired = credential === undefined ? o.desired : { ...o.desired, credential };
      const deployment = withAppliedHash(desiredDeployment(fn, desired));
      const current = deployments.get(deploymentName(functionRef(fn)), fn.metadata.namespace);
      // Unchanged since our last apply: skip the request. Status resyncs reconcile every function every few
      // seconds, and an apply per resync was most of the controller's API traffic at 1,000 functions.
      if (current && appliedHash(current) === appliedHash(deployment)) return;
      if (!current) await createAtMin(deployment, fn.spec.scale.min);
      try {
        await objects.patch(
          deployment,
          undefined,
          undefined,
          FIELD_MANAGER,
          true,
          PatchStrategy.ServerSideApply,
        );
      } catch (cause) {
        throw new Error(`applying Deployment ${fn.metadata.namespace}/${deployment.metadata?.name}`, {
          cause,
        });
      }
    },

    async remove(ref: FunctionRef) {
      try {
        await apps.deleteNamespacedDeployment({ name: deploymentName(ref), namespace: ref.namespace });
      } catch (error) {
        if (statusOf(error) !== 404)
          throw new Error(`deleting Deployment of ${functionKey(ref)}`, { cause: error });
      }
    },

    async scale(ref: FunctionRef, replicas: number) {
      try {
        await apps.patchNamespacedDeploymentScale(
          {
            name: deploymentName(ref),
            namespace: ref.namespace,
            body: { spec: { replicas } },
            fieldManager: AUTOSCALER_FIELD_MANAGER,
          },
          mergePatch,
        );
      } catch (cause) {
        throw new Error(`scaling ${functionKey(ref)} to ${replicas}`, { cause });
      }
    },

    observeReplicas(ref: FunctionRef): Promise<ReplicaCounts> {
      const d = deployments.get(deploymentName(ref), ref.namespace);
      return Promise.resolve({
        replicas: d?.spec?.replicas ?? 0,
        readyReplicas: d?.status?.readyReplicas ?? 0,
      });
    },

    observe(ref: FunctionRef): Promise<ObservedReplicas | undefined> {
      const d = deployments.get(deploymentName(ref), ref.namespace);
      return Promise.resolve(d && observed(d));
    },

    watch(listener) {
      const onDeployment = (d: V1Deployment): void => {
        const key = ownerKey(d);
        if (key !== undefined) listener(key);
      };
      deployments.on('add', onDeployment);
      deployments.on('update', onDeployment);
      deployments.on('delete', onDeployment);
    },

    close: async () => {
      await stopInformer?.();
    },
  };
}
