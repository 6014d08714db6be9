// Reads what a pod's volumes refer to through the node's own credentials: Secret and ConfigMap data, a claim's bound PV.
import type {
  V1ConfigMap,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Secret,
} from '@kubernetes/client-node';
import { isNotFound, type ApiClient } from './api-client.js';

/** A Secret's data as bytes (the API object holds base64); undefined when it does not exist. */
export async function readSecretBytes(
  api: ApiClient,
  namespace: string,
  name: string,
): Promise<Record<string, Buffer> | undefined> {
  const secret = await getUnlessMissing<V1Secret>(api, `/api/v1/namespaces/${namespace}/secrets/${name}`);
  return secret && decodeBase64Values(secret.data ?? {});
}

/** A ConfigMap's `data` (text) and `binaryData` (base64) together; undefined when it does not exist. */
export async function readConfigMapBytes(
  api: ApiClient,
  namespace: string,
  name: string,
): Promise<Record<string, Buffer> | undefined> {
  const configMap = await getUnlessMissing<V1ConfigMap>(
    api,
    `/api/v1/namespaces/${namespace}/configmaps/${name}`,
  );
  if (!configMap) return undefined;
  const text = Object.entries(configMap.data ?? {}).map(([key, value]): [string, Buffer] => [
    key,
    Buffer.from(value, 'utf8'),
  ]);
  return { ...Object.fromEntries(text), ...decodeBase64Values(configMap.binaryData ?? {}) };
}

/**
 * The host directory behind a claim: its bound PV's `hostPath.path` or `local.path`, the two
 * kinds a machine without a storage driver can serve. Throws while the claim is unbound.
 */
export async function readClaimHostPath(
  api: ApiClient,
  namespace: string,
  claimName: string,
): Promise<string> {
  const what = `claim ${namespace}/${claimName}`;
  const claim = await api.request<V1PersistentVolumeClaim>(
    'GET',
    `/api/v1/namespaces/${namespace}/persistentvolumeclaims/${claimName}`,
  );
  const volumeName = boundVolumeName(claim);
  if (!volumeName) throw new Error(`${what} is not bound yet`);
  const volume = await api.request<V1PersistentVolume>('GET', `/api/v1/persistentvolumes/${volumeName}`);
  const path = hostPathOf(volume);
  if (!path)
    throw new Error(
      `${what} is bound to PersistentVolume ${volumeName}, which has neither hostPath nor local: the process node mounts only those`,
    );
  return path;
}

function boundVolumeName(claim: V1PersistentVolumeClaim): string | undefined {
  return claim.status?.phase === 'Bound' ? claim.spec?.volumeName : undefined;
}

function hostPathOf(volume: V1PersistentVolume): string | undefined {
  return volume.spec?.hostPath?.path ?? volume.spec?.local?.path;
}

async function getUnlessMissing<T>(api: ApiClient, path: string): Promise<T | undefined> {
  try {
    return await api.request<T>('GET', path);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function decodeBase64Values(data: Readonly<Record<string, string>>): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64')]));
}
