// reconcile(key): read the Function and its Deployment from the caches, apply the desired Deployment,
// tell the autoscaler, write status. Level-triggered: the same code runs for create, update and resync.
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Deployment,
} from '@kubernetes/client-node';
import {
  API_GROUP,
  API_VERSION,
  FUNCTION_PLURAL,
  SCALE_REQUEST_ANNOTATION,
  decodeScaleAnnotation,
  deploymentName,
  parseFunctionKey,
  resolveFunction,
  validateFunction,
  type FunctionRef,
  type FunctionStatus,
  type Problem,
  type ResolvedFunction,
} from '@spool/api';
import type { Cache, FunctionObject } from '../kube/informers.js';
import type { Runtime } from '../runtime/runtime.js';
import { functionStatus, type ObservedFunction } from './status.js';
import { TerminalError, type WorkResult } from './workqueue.js';

/** What the reconciler tells the autoscaler. */
export interface ScaleTargets {
  track(fn: ResolvedFunction): void;
  forget(ref: FunctionRef): void;
  request(ref: FunctionRef, replicas: number): void;
}

export interface ReconcilerOptions {
  readonly kc: KubeConfig;
  readonly functions: Cache<FunctionObject>;
  readonly deployments: Cache<V1Deployment>;
  readonly runtime: Runtime;
  readonly targets: ScaleTargets;
  /** Calls waiting in a function's queue. */
  readonly queued: (ref: FunctionRef) => Promise<number>;
  /** Drops a deleted function's queue and stored state. */
  readonly forgetQueue: (ref: FunctionRef) => Promise<void>;
  readonly now: () => number;
}

/** Status counts (queued, ready) drift without any watch event; refresh them this often. */
export const STATUS_RESYNC_MS = 10_000;

const observedDeployment = (d: V1Deployment): NonNullable<ObservedFunction['deployment']> => ({
  replicas: d.status?.replicas ?? 0,
  readyReplicas: d.status?.readyReplicas ?? 0,
  desiredReplicas: d.spec?.replicas ?? 0,
  progressDeadlineExceeded: (d.status?.conditions ?? []).some(
    (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
  ),
});

/** Compares what status says, ignoring timestamps that only move when something else does. */
const sameStatus = (a: FunctionStatus | undefined, b: FunctionStatus): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

export function createReconciler(o: ReconcilerOptions): (key: string) => Promise<WorkResult> {
  const customObjects = o.kc.makeApiClient(CustomObjectsApi);
  const core = o.kc.makeApiClient(CoreV1Api);
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const appliedScaleRequests = new Map<string, number>();

  const writeStatus = async (fn: FunctionObject, status: FunctionStatus): Promise<void> => {
    if (sameStatus(fn.status, status)) return;
    const { name, namespace = 'default' } = fn.metadata;
    await customObjects.patchNamespacedCustomObjectStatus(
      { group: API_GROUP, version: API_VERSION, plural: FUNCTION_PLURAL, namespace, name, body: { status } },
      mergePatch,
    );
  };

  const event = async (
    fn: FunctionObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> => {
    const namespace = fn.metadata.namespace ?? 'default';
    const at = new Date(o.now());
    await core
      .createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${fn.metadata.name}.`, namespace },
          involvedObject: {
            apiVersion: fn.apiVersion,
            kind: fn.kind,
            name: fn.metadata.name,
            namespace,
            uid: fn.metadata.uid ?? '',
          },
          type,
          reason,
          message,
          source: { component: 'spool-controller' },
          firstTimestamp: at,
          lastTimestamp: at,
          count: 1,
        },
      })
      .catch(() => undefined); // Events are best effort, as in client-go's recorder.
  };

  const status = async (
    fnObj: FunctionObject,
    ref: FunctionRef,
    problems: readonly Problem[],
  ): Promise<FunctionStatus> => {
    const d = o.deployments.get(deploymentName(ref), ref.namespace);
    return functionStatus(
      {
        generation: fnObj.metadata.generation ?? 0,
        problems,
        deployment: d && observedDeployment(d),
        queued: problems.length > 0 ? 0 : await o.queued(ref),
        previous: fnObj.status?.conditions ?? [],
      },
      o.now(),
    );
  };

  const passScaleRequest = (fn: FunctionObject, ref: FunctionRef): void => {
    const raw = fn.metadata.annotations?.[SCALE_REQUEST_ANNOTATION];
    if (!raw) return;
    const decoded = decodeScaleAnnotation(raw);
    const key = `${ref.namespace}/${ref.name}`;
    if (!decoded.ok) return;
    const request = decoded.value;
    if ((appliedScaleRequests.get(key) ?? 0) >= request.at) return;
    appliedScaleRequests.set(key, request.at);
    o.targets.request(ref, request.replicas);
  };

  return async (key) => {
    const ref = parseFunctionKey(key);
    const fnObj = o.functions.get(ref.name, ref.namespace);
    if (!fnObj) {
      // Deleted: the Deployment goes with its owner (garbage collection); the queue is ours to clean.
      o.targets.forget(ref);
      appliedScaleRequests.delete(key);
      await o.forgetQueue(ref);
      return {};
    }
    const problems = validateFunction(fnObj);
    if (problems.length > 0) {
      await writeStatus(fnObj, await status(fnObj, ref, problems));
      await event(fnObj, 'Warning', 'InvalidSpec', problems.map((p) => `${p.path} ${p.message}`).join('; '));
      throw new TerminalError(`Function ${key} is invalid`);
    }
    const fn = resolveFunction(fnObj);
    await o.runtime.apply(fn);
    o.targets.track(fn);
    passScaleRequest(fnObj, ref);
    await writeStatus(fnObj, await status(fnObj, ref, []));
    return { requeueAfterMs: STATUS_RESYNC_MS };
  };
}
