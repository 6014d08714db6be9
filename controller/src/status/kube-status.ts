// Kubernetes mode: status goes to the Function's status subresource (merge patch), refusals become Events.
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, FUNCTION_PLURAL, type FunctionStatus } from '@spool/api';
import type { DesiredFunction } from '../source/source.js';
import { sameStatus, type StatusWriter } from './status-writer.js';

export function createKubeStatusWriter(kc: KubeConfig, now: () => number): StatusWriter {
  const customObjects = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  /**
   * The status last written per key, with the resourceVersion the informer showed then. Until the informer
   * delivers the write, its copy is older than what was written: another reconcile of the key (a Deployment event)
   * compares against the write, not the stale copy, and does not write the same status again.
   */
  const written = new Map<string, { readonly over: string | undefined; readonly status: FunctionStatus }>();
  const recorded = (key: string, desired: DesiredFunction): FunctionStatus | undefined => {
    const pending = written.get(key);
    const version = desired.object.metadata.resourceVersion;
    if (pending && pending.over === version) return pending.status;
    if (pending) written.delete(key); // the informer caught up (or someone else wrote): its copy is the truth
    return desired.object.status;
  };

  return {
    // The informer's copy carries the status this controller last wrote, once the watch has delivered it.
    read: (key, desired) => Promise.resolve(recorded(key, desired)),

    async write(key, desired, status) {
      if (sameStatus(recorded(key, desired), status)) return;
      const { name, namespace = 'default' } = desired.object.metadata;
      await customObjects.patchNamespacedCustomObjectStatus(
        {
          group: API_GROUP,
          version: API_VERSION,
          plural: FUNCTION_PLURAL,
          namespace,
          name,
          body: { status },
        },
        mergePatch,
      );
      written.set(key, { over: desired.object.metadata.resourceVersion, status });
    },

    async refused({ object }, message, reason = 'InvalidSpec') {
      const namespace = object.metadata.namespace ?? 'default';
      const at = new Date(now());
      await core
        .createNamespacedEvent({
          namespace,
          body: {
            metadata: { generateName: `${object.metadata.name}.`, namespace },
            involvedObject: {
              apiVersion: object.apiVersion,
              kind: object.kind,
              name: object.metadata.name,
              namespace,
              uid: object.metadata.uid ?? '',
            },
            type: 'Warning',
            reason,
            message,
            source: { component: 'spool-controller' },
            firstTimestamp: at,
            lastTimestamp: at,
            count: 1,
          },
        })
        .catch(() => undefined); // Events are best effort, as in client-go's recorder.
    },

    // The status goes with its Function.
    remove: (key) => {
      written.delete(key);
      return Promise.resolve();
    },
  };
}
