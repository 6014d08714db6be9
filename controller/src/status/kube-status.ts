// Kubernetes mode: status goes to the Function's status subresource (merge patch), refusals become Events.
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, FUNCTION_PLURAL } from '@spool/api';
import { sameStatus, type StatusWriter } from './status-writer.js';

export function createKubeStatusWriter(kc: KubeConfig, now: () => number): StatusWriter {
  const customObjects = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

  return {
    // The informer's copy carries the status this controller last wrote.
    read: (_key, desired) => Promise.resolve(desired.object.status),

    async write(_key, desired, status) {
      if (sameStatus(desired.object.status, status)) return;
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
    remove: () => Promise.resolve(),
  };
}
