// The Kubernetes runtime: a function is a Deployment. apply = server-side apply of desiredDeployment
// under Spool's field manager (never owning spec.replicas); scale = the scale subresource; replicas are
// read from the Deployment informer's cache, so a tick costs no API request.
import { createHash } from 'node:crypto';
import {
  AppsV1Api,
  CoreV1Api,
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
  decodeApiErrorMessage,
  deploymentName,
  functionKey,
  functionRef,
  type FunctionRef,
  type ResolvedFunction,
} from '@spool/api';
import { deploymentInformer, namespacesCache, startInformer } from '../kube/informers.js';
import { trimDeployment } from '../kube/trim.js';
import { errorMessage, type Log } from '../log.js';
import { decidePodFailure, type ReplicaFailure } from '../reconcile/pod-failure.js';
import { desiredDeployment, type DesiredDeploymentOptions } from '../reconcile/desired.js';
import { deploymentConflict } from '../reconcile/ownership.js';
import type { ObservedReplicas } from '../reconcile/status.js';
import {
  ReplicasConflictError,
  SpecRejectedError,
  type FunctionRedisCredential,
  type ReplicaCounts,
  type Runtime,
} from './runtime.js';

export interface KubernetesRuntimeOptions {
  readonly kc: KubeConfig;
  readonly desired: DesiredDeploymentOptions;
  readonly log: Log;
  /** Namespaces whose Deployments it watches; empty: every namespace. */
  readonly namespaces?: readonly string[];
  /** Default POD_START_TIMEOUT_MS. */
  readonly podStartTimeoutMs?: number;
  /** Default Date.now. */
  readonly now?: () => number;
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

const conflictOf = (ref: FunctionRef, uid: string | undefined, d: V1Deployment): string | undefined =>
  deploymentConflict(ref, uid, {
    name: d.metadata?.name ?? deploymentName(ref),
    namespace: d.metadata?.namespace ?? ref.namespace,
    labels: d.metadata?.labels,
    ownerReferences: d.metadata?.ownerReferences,
  });

/** Throws when `d`, found where the function's Deployment goes, is not the function's own (issue 11 item 9). */
function refuseForeign(fn: ResolvedFunction, d: V1Deployment): void {
  const conflict = conflictOf(functionRef(fn), fn.metadata.uid, d);
  if (conflict !== undefined) throw new ReplicasConflictError(conflict);
}

const observed = (d: V1Deployment): ObservedReplicas => ({
  desiredReplicas: d.spec?.replicas ?? 0,
  replicas: d.status?.replicas ?? 0,
  readyReplicas: d.status?.readyReplicas ?? 0,
  progressDeadlineExceeded: (d.status?.conditions ?? []).some(
    (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
  ),
  failure: undefined,
});

/** 400 and 422 are the API server refusing the object itself (bad value, unknown field): terminal. */
const REJECTED_STATUSES = new Set([400, 422]);

/** A terminal refusal as SpecRejectedError carrying the server's message; anything else wrapped with context. */
function applyFailure(cause: unknown, what: string): Error {
  const status = statusOf(cause);
  if (status !== undefined && REJECTED_STATUSES.has(status)) {
    const message = decodeApiErrorMessage((cause as { body?: unknown }).body);
    return new SpecRejectedError(message.ok ? message.value : `the API server refused ${what} (${status})`, {
      cause,
    });
  }
  return new Error(what, { cause });
}

/** How long a pod may take to become ready before status says StartTimeout (the watchdog's startup probe). */
export const POD_START_TIMEOUT_MS = 60_000;

export function createKubernetesRuntime(o: KubernetesRuntimeOptions): Runtime {
  const objects = KubernetesObjectApi.makeApiClient(o.kc);
  const apps = o.kc.makeApiClient(AppsV1Api);
  const core = o.kc.makeApiClient(CoreV1Api);
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const deployments = namespacesCache(o.namespaces ?? [], (ns) => deploymentInformer(o.kc, ns));
  let stopInformer: (() => Promise<void>) | undefined;
  /**
   * What the last apply answered, per Deployment not yet in the cache: the status written right after a create
   * reads it, instead of "Deploying" followed by a second status write once the watch delivers the Deployment.
   * An entry goes when the cache has the Deployment, which is then the only source.
   */
  const applied = new Map<string, V1Deployment>();
  const cacheKey = (ref: FunctionRef): string => `${ref.namespace}/${deploymentName(ref)}`;
  const observedDeployment = (ref: FunctionRef): V1Deployment | undefined =>
    deployments.get(deploymentName(ref), ref.namespace) ?? applied.get(cacheKey(ref));
  const cached = (d: V1Deployment): void => {
    applied.delete(`${d.metadata?.namespace ?? 'default'}/${d.metadata?.name ?? ''}`);
  };
  deployments.on('add', cached);
  deployments.on('delete', cached);

  /**
   * A new Deployment is created at `scale.min` replicas by the autoscaler's field manager, so it never starts
   * with the default single pod, and spec.replicas stays owned by the autoscaler: the apply that follows
   * takes every other field (force) and leaves replicas alone.
   */
  const createAtMin = async (
    fn: ResolvedFunction,
    deployment: V1Deployment,
    replicas: number,
  ): Promise<void> => {
    const namespace = deployment.metadata?.namespace ?? 'default';
    const name = deployment.metadata?.name ?? deploymentName(functionRef(fn));
    const body = { ...deployment, spec: { ...deployment.spec!, replicas } };
    try {
      await apps.createNamespacedDeployment({ namespace, body, fieldManager: AUTOSCALER_FIELD_MANAGER });
    } catch (error) {
      if (statusOf(error) !== 409) throw applyFailure(error, `creating Deployment ${namespace}/${name}`);
      // Already there but not in the cache, which lists only Spool-labelled Deployments: most likely someone
      // else's. Read it before any apply, which forces and would take it over.
      const existing = await apps.readNamespacedDeployment({ name, namespace }).catch((cause: unknown) => {
        throw new Error(`reading Deployment ${namespace}/${name}`, { cause });
      });
      refuseForeign(fn, existing);
    }
  };

  /** Why no pod serves, from the pods (one list request) and the Deployment's ReplicaFailure condition. */
  const observeFailure = async (ref: FunctionRef, d: V1Deployment): Promise<ReplicaFailure | undefined> => {
    const pods = await core
      .listNamespacedPod({ namespace: ref.namespace, labelSelector: `${FUNCTION_LABEL}=${ref.name}` })
      .catch((error: unknown) => {
        o.log.warn('pods-unreadable', { key: functionKey(ref), error: errorMessage(error) });
        return undefined;
      });
    return decidePodFailure(
      {
        pods: (pods?.items ?? []).flatMap((p) => (p.status ? [p.status] : [])),
        deploymentConditions: d.status?.conditions ?? [],
        startTimeoutMs: o.podStartTimeoutMs ?? POD_START_TIMEOUT_MS,
      },
      (o.now ?? Date.now)(),
    );
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
      if (current) refuseForeign(fn, current);
      if (current && appliedHash(current) === appliedHash(deployment)) return;
      if (!current) await createAtMin(fn, deployment, fn.spec.scale.min);
      try {
        const answer = await objects.patch(
          deployment,
          undefined,
          undefined,
          FIELD_MANAGER,
          true,
          PatchStrategy.ServerSideApply,
        );
        const ref = functionRef(fn);
        if (!deployments.get(deploymentName(ref), ref.namespace))
          applied.set(cacheKey(ref), trimDeployment(answer));
      } catch (cause) {
        throw applyFailure(
          cause,
          `applying Deployment ${fn.metadata.namespace}/${deployment.metadata?.name}`,
        );
      }
    },

    async remove(ref: FunctionRef) {
      applied.delete(cacheKey(ref));
      // Only a Deployment this Function owns is deleted. One not (yet) in the cache, if it is the Function's,
      // goes with the Function anyway: the garbage collector follows its owner reference.
      const current = deployments.get(deploymentName(ref), ref.namespace);
      if (!current || conflictOf(ref, undefined, current) !== undefined) return;
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
      const d = observedDeployment(ref);
      return Promise.resolve({
        replicas: d?.spec?.replicas ?? 0,
        readyReplicas: d?.status?.readyReplicas ?? 0,
      });
    },

    async observe(ref: FunctionRef): Promise<ObservedReplicas | undefined> {
      const d = observedDeployment(ref);
      if (!d) return undefined;
      const replicas = observed(d);
      // Pods are read only while nothing serves, so a healthy or idle function costs no request.
      if (replicas.readyReplicas > 0 || replicas.desiredReplicas === 0) return replicas;
      return { ...replicas, failure: await observeFailure(ref, d) };
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
