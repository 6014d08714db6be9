// Watched caches of Functions and Spool's Deployments, trimmed (trim.ts) before caching. client-node stops an informer on a watch error,
// so each is restarted after a pause: a level-triggered controller only needs the cache to catch up.
import {
  AppsV1Api,
  CustomObjectsApi,
  ListWatch,
  Watch,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
  type V1Deployment,
} from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, FUNCTION_PLURAL, functionsPath, type FunctionResource } from '@spool/api';
import type { Log } from '../log.js';
import { trimDeployment, trimObject } from './trim.js';

export type Cache<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;
export type FunctionObject = FunctionResource & KubernetesObject;

const RESTART_AFTER_MS = 1000;

/** A watch whose events carry the trimmed object, so the cache never holds the full one. */
class TrimmingWatch<T extends KubernetesObject> extends Watch {
  constructor(
    kc: KubeConfig,
    private readonly trim: (object: T) => T,
  ) {
    super(kc);
  }

  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    // client-node types the watched object as any; ListWatch, the only caller, passes it on as T.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    callback: (phase: string, apiObj: any, watchObj?: any) => void,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    done: (err: any) => void,
  ): Promise<AbortController> {
    return super.watch(
      path,
      queryParams,
      (phase, object: T, watchObj: unknown) =>
        // ERROR and BOOKMARK events carry a Status or a bare resourceVersion, which ListWatch reads as is.
        callback(
          phase,
          phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED' ? this.trim(object) : object,
          watchObj,
        ),
      done,
    );
  }
}

interface TrimmedInformerOptions<T extends KubernetesObject> {
  readonly list: () => Promise<KubernetesListObject<T>>;
  readonly trim: (object: T) => T;
  readonly labelSelector?: string;
}

/** client-node's makeInformer, with every listed and watched object trimmed before it is cached. */
function trimmedInformer<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  { list, trim, labelSelector }: TrimmedInformerOptions<T>,
): Cache<T> {
  const trimmedList = async (): Promise<KubernetesListObject<T>> => {
    const listed = await list();
    return { ...listed, items: listed.items.map(trim) };
  };
  return new ListWatch<T>(path, new TrimmingWatch(kc, trim), trimmedList, false, labelSelector);
}

/** Starts an informer that restarts itself after watch errors; resolves to a stop function once listed. */
export async function startInformer<T extends KubernetesObject>(
  informer: Cache<T>,
  what: string,
  log: Log,
): Promise<() => Promise<void>> {
  let stopped = false;
  informer.on('error', (error: unknown) => {
    if (stopped) return; // stop() aborts the watch, which reports as an error
    log.error('watch-failed', { what, error: String(error) });
    setTimeout(() => void (stopped ? undefined : informer.start().catch(() => undefined)), RESTART_AFTER_MS);
  });
  await informer.start();
  return async () => {
    stopped = true;
    await informer.stop();
  };
}

/** Every Function in the cluster (one namespace when given). */
export function functionInformer(kc: KubeConfig, namespace?: string): Cache<FunctionObject> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const base = { group: API_GROUP, version: API_VERSION, plural: FUNCTION_PLURAL };
  // The generated client leaves custom-object lists untyped; the informer needs their shape.
  const list = (): Promise<KubernetesListObject<FunctionObject>> =>
    (namespace
      ? api.listNamespacedCustomObject({ ...base, namespace })
      : api.listClusterCustomObject(base)) as Promise<KubernetesListObject<FunctionObject>>;
  return trimmedInformer<FunctionObject>(kc, functionsPath(namespace), { list, trim: trimObject });
}

export const MANAGED_SELECTOR = 'app.kubernetes.io/managed-by=spool,app.kubernetes.io/component=function';

/** Deployments Spool made for functions, in every namespace (one namespace when given). */
export function deploymentInformer(kc: KubeConfig, namespace?: string): Cache<V1Deployment> {
  const api = kc.makeApiClient(AppsV1Api);
  const labelSelector = MANAGED_SELECTOR;
  return trimmedInformer<V1Deployment>(
    kc,
    namespace ? `/apis/apps/v1/namespaces/${namespace}/deployments` : '/apis/apps/v1/deployments',
    {
      list: () =>
        namespace
          ? api.listNamespacedDeployment({ namespace, labelSelector })
          : api.listDeploymentForAllNamespaces({ labelSelector }),
      trim: trimDeployment,
      labelSelector,
    },
  );
}

/**
 * One cache over several namespaces, each watched by its own informer (`make(namespace)`), so list and watch need
 * rights in those namespaces only (the chart's `watchNamespaces` Roles). Empty `namespaces`: one cluster-wide
 * informer, `make(undefined)`.
 */
export function namespacesCache<T extends KubernetesObject>(
  namespaces: readonly string[],
  make: (namespace?: string) => Cache<T>,
): Cache<T> {
  if (namespaces.length === 0) return make(undefined);
  const byNamespace = new Map(namespaces.map((ns) => [ns, make(ns)] as const));
  const all = [...byNamespace.values()];
  return {
    // The overloads of on/off take the same callback kinds on every informer; forwarding keeps them paired.
    on: ((verb: never, cb: never) => all.forEach((i) => i.on(verb, cb))) as Cache<T>['on'],
    off: ((verb: never, cb: never) => all.forEach((i) => i.off(verb, cb))) as Cache<T>['off'],
    start: async () => {
      await Promise.all(all.map((i) => i.start()));
    },
    stop: async () => {
      await Promise.all(all.map((i) => i.stop()));
    },
    // Each informer's cache is keyed by namespace too, so the namespace is passed on, not only used to pick it.
    get: (name, namespace) =>
      namespace === undefined ? undefined : byNamespace.get(namespace)?.get(name, namespace),
    list: (namespace) =>
      namespace === undefined
        ? all.flatMap((i) => i.list())
        : (byNamespace.get(namespace)?.list(namespace) ?? []),
  };
}
