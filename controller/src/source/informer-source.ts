// Kubernetes mode's source: the Function informer. Its add, update and delete events only queue the key.
import type { KubeConfig } from '@kubernetes/client-node';
import { parseFunctionKey } from '@spool/api';
import { functionInformer, namespacesCache, startInformer, type FunctionObject } from '../kube/informers.js';
import type { Log } from '../log.js';
import { keyOfObject, type FunctionSource } from './source.js';

/** Functions in `namespaces` (every namespace when empty). */
export function createInformerSource(
  kc: KubeConfig,
  log: Log,
  namespaces: readonly string[] = [],
): FunctionSource {
  const functions = namespacesCache(namespaces, (ns) => functionInformer(kc, ns));
  let stop: (() => Promise<void>) | undefined;
  return {
    async start(onChange) {
      const changed = (fn: FunctionObject): void => onChange(keyOfObject(fn));
      functions.on('add', changed);
      functions.on('update', changed);
      functions.on('delete', changed);
      stop = await startInformer(functions, 'functions', log);
    },
    get(key) {
      const ref = parseFunctionKey(key);
      const object = functions.get(ref.name, ref.namespace);
      return object && { object };
    },
    keys: () => functions.list().map(keyOfObject),
    close: async () => {
      await stop?.();
    },
  };
}
