// Kubernetes mode: functions come from a watch on Function resources in the namespaces served, and
// /system scale requests are written to the Function (an annotation the controller acts on), not around it.
import {
  CustomObjectsApi,
  PatchStrategy,
  makeInformer,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import {
  API_GROUP,
  API_VERSION,
  FUNCTION_PLURAL,
  functionsPath,
  functionKey,
  resolveFunction,
  type FunctionRef,
  type FunctionResource,
  type ResolvedFunction,
} from '@spool/api';
import type { FunctionScaler, Log } from './app.js';
import type { FunctionRegistry } from './registry.js';

type FunctionObject = FunctionResource & KubernetesObject;

const base = { group: API_GROUP, version: API_VERSION, plural: FUNCTION_PLURAL };

interface WatchOptions {
  readonly kc: KubeConfig;
  readonly namespace: string | undefined;
  readonly byKey: Map<string, ResolvedFunction>;
  readonly log: Log;
}

function watchNamespace(state: { stopped: boolean }, { kc, namespace, byKey, log }: WatchOptions) {
  const api = kc.makeApiClient(CustomObjectsApi);
  // The generated client leaves custom-object lists untyped; the informer needs their shape.
  const list = (): Promise<KubernetesListObject<FunctionObject>> =>
    (namespace
      ? api.listNamespacedCustomObject({ ...base, namespace })
      : api.listClusterCustomObject(base)) as Promise<KubernetesListObject<FunctionObject>>;
  const informer = makeInformer<FunctionObject>(kc, functionsPath(namespace), list);
  const keyOf = (fn: FunctionObject): string =>
    functionKey({ namespace: fn.metadata.namespace ?? 'default', name: fn.metadata.name });
  const upsert = (fn: FunctionObject): void => {
    try {
      byKey.set(keyOf(fn), resolveFunction(fn));
    } catch {
      // An invalid Function is not served; the controller reports why in its status.
      byKey.delete(keyOf(fn));
    }
  };
  informer.on('add', upsert);
  informer.on('update', upsert);
  informer.on('delete', (fn) => byKey.delete(keyOf(fn)));
  informer.on('error', (error: unknown) => {
    if (state.stopped) return; // stop() aborts the watch, which reports as an error
    log.warn('Function watch failed; restarting', {
      namespace: namespace ?? '*',
      error: String(error),
    });
    setTimeout(() => void (state.stopped ? undefined : informer.start().catch(() => undefined)), 1000);
  });
  return informer;
}

/** Watches Functions in `namespaces` (all when empty); resolves once every watch has listed. */
export async function kubeRegistry(
  kc: KubeConfig,
  namespaces: readonly string[],
  log: Log,
): Promise<FunctionRegistry> {
  const byKey = new Map<string, ResolvedFunction>();
  const state = { stopped: false };
  const informers = (namespaces.length > 0 ? namespaces : [undefined]).map((ns) =>
    watchNamespace(state, { kc, namespace: ns, byKey, log }),
  );
  await Promise.all(informers.map((i) => i.start()));
  return {
    get: (ref) => byKey.get(functionKey(ref)),
    list: () => [...byKey.values()],
    close: async () => {
      state.stopped = true;
      await Promise.all(informers.map((i) => i.stop()));
    },
  };
}

/**
 * `/system/scale-function` in Kubernetes mode: writes the Function's scale subresource, which the controller
 * reads as a one-shot request. The gateway's RBAC holds `functions/scale` only, which reaches `spec.replicas`
 * and no other field (issue 11 item 9; docs/security.md).
 */
export function kubeScaler(kc: KubeConfig): FunctionScaler {
  const api = kc.makeApiClient(CustomObjectsApi);
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  return {
    async requestReplicas(ref: FunctionRef, replicas: number) {
      await api.patchNamespacedCustomObjectScale(
        { ...base, namespace: ref.namespace, name: ref.name, body: { spec: { replicas } } },
        mergePatch,
      );
    },
  };
}
