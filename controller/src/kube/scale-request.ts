// Removes a scale request (`spec.replicas`, written through the Function's scale subresource) once the autoscaler
// has it, so asking for the same count again later is a change the controller sees.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, FUNCTION_PLURAL, functionKey, type FunctionRef } from '@spool/api';

const statusOf = (error: unknown): number | undefined => (error as { code?: number }).code;

export function scaleRequestConsumer(kc: KubeConfig): (ref: FunctionRef, replicas: number) => Promise<void> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
  return async (ref, replicas) => {
    // `test` first: a newer request written meanwhile stays for the next reconcile instead of being dropped.
    const body = [
      { op: 'test', path: '/spec/replicas', value: replicas },
      { op: 'remove', path: '/spec/replicas' },
    ];
    try {
      await api.patchNamespacedCustomObject(
        {
          group: API_GROUP,
          version: API_VERSION,
          plural: FUNCTION_PLURAL,
          namespace: ref.namespace,
          name: ref.name,
          body,
        },
        jsonPatch,
      );
    } catch (error) {
      // 422: the test failed (another request arrived); 404: the Function is gone. Both leave nothing to do.
      if (statusOf(error) === 422 || statusOf(error) === 404) return;
      throw new Error(`removing the scale request of ${functionKey(ref)}`, { cause: error });
    }
  };
}
