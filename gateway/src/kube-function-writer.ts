// Kubernetes mode's /system/functions writes: the Function resource, server-side applied under the gateway's own
// field manager. The gateway's RBAC adds create, patch and delete on functions for this (docs/security.md); the
// controller still owns everything derived from the Function.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import {
  API_GROUP,
  API_VERSION,
  FUNCTION_PLURAL,
  SpoolError,
  decodeApiErrorMessage,
  functionKey,
  type FunctionRef,
  type FunctionResource,
} from '@spool/api';
import type { FunctionWriter } from './function-writer.js';

/** The field manager of what the gateway applies; `kubectl get function -o yaml --show-managed-fields` shows it. */
export const GATEWAY_FIELD_MANAGER = 'spool-gateway';

const base = { group: API_GROUP, version: API_VERSION, plural: FUNCTION_PLURAL };
const statusOf = (error: unknown): number | undefined => (error as { code?: number }).code;

/** The gateway's RBAC holds no write on functions unless the chart's gateway.deployFunctions grants it. */
const notAllowed = (ref: FunctionRef): SpoolError =>
  new SpoolError(
    'RBAC_FORBIDDEN',
    `the gateway may not write Function ${functionKey(ref)}: install the chart with gateway.deployFunctions=true`,
  );

/** The API server's refusal of the object (schema, label syntax) is the caller's: 400 with its message. */
function applyError(error: unknown, ref: FunctionRef): Error {
  const status = statusOf(error);
  if (status === 403) return notAllowed(ref);
  if (status === 400 || status === 422) {
    const message = decodeApiErrorMessage((error as { body?: unknown }).body);
    return new SpoolError(
      'INVALID_REQUEST',
      message.ok ? message.value : `the API server refused Function ${functionKey(ref)}`,
    );
  }
  return new Error(`applying Function ${functionKey(ref)}`, { cause: error });
}

export function kubeFunctionWriter(kc: KubeConfig): FunctionWriter {
  const api = kc.makeApiClient(CustomObjectsApi);
  const applyPatch = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  const exists = async (ref: FunctionRef): Promise<boolean> => {
    try {
      await api.getNamespacedCustomObject({ ...base, namespace: ref.namespace, name: ref.name });
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw new Error(`reading Function ${functionKey(ref)}`, { cause: error });
    }
  };
  // force: the caller asked for this spec, as `kubectl apply --server-side --force-conflicts` would.
  const apply = async (ref: FunctionRef, fn: FunctionResource): Promise<void> => {
    try {
      await api.patchNamespacedCustomObject(
        {
          ...base,
          namespace: ref.namespace,
          name: ref.name,
          body: fn,
          fieldManager: GATEWAY_FIELD_MANAGER,
          fieldValidation: 'Strict',
          force: true,
        },
        applyPatch,
      );
    } catch (error) {
      throw applyError(error, ref);
    }
  };
  return {
    async create(ref, fn) {
      if (await exists(ref))
        throw new SpoolError('FUNCTION_CONFLICT', `function ${functionKey(ref)} exists; PUT updates it`);
      await apply(ref, fn);
    },
    async update(ref, fn) {
      if (!(await exists(ref)))
        throw new SpoolError('FUNCTION_NOT_FOUND', `function ${functionKey(ref)} is not deployed`);
      await apply(ref, fn);
    },
    async remove(ref) {
      try {
        await api.deleteNamespacedCustomObject({ ...base, namespace: ref.namespace, name: ref.name });
      } catch (error) {
        if (statusOf(error) === 404)
          throw new SpoolError('FUNCTION_NOT_FOUND', `function ${functionKey(ref)} is not deployed`);
        if (statusOf(error) === 403) throw notAllowed(ref);
        throw new Error(`deleting Function ${functionKey(ref)}`, { cause: error });
      }
    },
  };
}
