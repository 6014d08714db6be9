// The Kubernetes runtime: a function is a Deployment. apply = server-side apply of desiredDeployment
// under Spool's field manager (never owning spec.replicas); scale = the scale subresource; replicas are
// read from the Deployment informer's cache, so a tick costs no API request.
import {
  AppsV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Deployment,
} from '@kubernetes/client-node';
import {
  FIELD_MANAGER,
  deploymentName,
  functionKey,
  type FunctionRef,
  type ResolvedFunction,
} from '@spool/api';
import type { Cache } from '../kube/informers.js';
import { desiredDeployment, type DesiredDeploymentOptions } from '../reconcile/desired.js';
import type { ReplicaCounts, Runtime } from './runtime.js';

export interface KubernetesRuntimeOptions {
  readonly kc: KubeConfig;
  readonly deployments: Cache<V1Deployment>;
  readonly desired: DesiredDeploymentOptions;
}

const statusOf = (error: unknown): number | undefined => (error as { code?: number }).code;

export function createKubernetesRuntime(o: KubernetesRuntimeOptions): Runtime {
  const objects = KubernetesObjectApi.makeApiClient(o.kc);
  const apps = o.kc.makeApiClient(AppsV1Api);
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

  return {
    async apply(fn: ResolvedFunction) {
      const deployment = desiredDeployment(fn, o.desired);
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
          { name: deploymentName(ref), namespace: ref.namespace, body: { spec: { replicas } } },
          mergePatch,
        );
      } catch (cause) {
        throw new Error(`scaling ${functionKey(ref)} to ${replicas}`, { cause });
      }
    },

    observeReplicas(ref: FunctionRef): Promise<ReplicaCounts> {
      const d = o.deployments.get(deploymentName(ref), ref.namespace);
      return Promise.resolve({
        replicas: d?.spec?.replicas ?? 0,
        readyReplicas: d?.status?.readyReplicas ?? 0,
      });
    },

    close: () => Promise.resolve(),
  };
}
