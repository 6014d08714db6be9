// Which host paths a container sees where: its volumeMounts against the pod's resolved volumes, as bind mounts. Pure.
import { isAbsolute, join, normalize } from 'node:path';
import type { V1Pod, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { expandVariables } from './env.js';

/** A volume made ready on the host: the directory (or file) its mounts bind from. */
export interface ResolvedVolume {
  readonly path: string;
  /** Every mount of it is read-only: Secret and ConfigMap volumes, `readOnly` claims. */
  readonly readOnly: boolean;
}

export interface BindMount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

/** True for the projected volume the ServiceAccount admission plugin adds (`kube-api-access-…`). */
export function isServiceAccountTokenVolume(volume: V1Volume): boolean {
  return (volume.projected?.sources ?? []).some((source) => source.serviceAccountToken !== undefined);
}

/** The names of the volumes some container or init container mounts: those the node must make ready. */
export function mountedVolumeNames(pod: V1Pod): ReadonlySet<string> {
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  return new Set(containers.flatMap((c) => (c.volumeMounts ?? []).map((m) => m.name)));
}

/** True when a container mounts a volume other than the token, which only a mount namespace can provide. */
export function hasVolumeMountsBesidesToken(pod: V1Pod): boolean {
  const tokenVolumes = new Set(
    (pod.spec?.volumes ?? []).filter(isServiceAccountTokenVolume).map((volume) => volume.name),
  );
  return [...mountedVolumeNames(pod)].some((name) => !tokenVolumes.has(name));
}

const supportedKinds = ['emptyDir', 'secret', 'configMap', 'hostPath', 'persistentVolumeClaim'] as const;
export const supportedVolumeKinds = `${supportedKinds.join(', ')} and the service-account token`;

function isSupportedVolume(volume: V1Volume): boolean {
  return supportedKinds.some((kind) => volume[kind] !== undefined) || isServiceAccountTokenVolume(volume);
}

/**
 * Why the node can never mount this pod's volumes, or undefined when it can: a mounted volume of
 * a kind it does not serve, or volumes besides the token without a mount namespace. No retry
 * fixes either, so the pod is refused at once rather than after the volume retries.
 */
export function unmountableReason(pod: V1Pod, hasMountNamespaces: boolean): string | undefined {
  const mounted = mountedVolumeNames(pod);
  const unsupported = (pod.spec?.volumes ?? []).filter((v) => mounted.has(v.name) && !isSupportedVolume(v));
  if (unsupported.length > 0)
    return `volume ${unsupported.map((v) => v.name).join(', ')}: the process node mounts only ${supportedVolumeKinds}`;
  if (!hasMountNamespaces && hasVolumeMountsBesidesToken(pod))
    return 'the pod mounts volumes, which needs a mount namespace, but `unshare --mount` fails here (it needs CAP_SYS_ADMIN)';
  return undefined;
}

/**
 * A container's bind mounts, parents before children (the order runtimes use), so a mount
 * at /data/cache lands inside the one at /data. `env` expands `subPathExpr`. Throws on a mount
 * of a volume that is not resolved or a subPath that leaves its volume.
 */
export function desiredMounts(
  volumeMounts: readonly V1VolumeMount[],
  volumes: ReadonlyMap<string, ResolvedVolume>,
  env: Readonly<Record<string, string>>,
): BindMount[] {
  const mounts = volumeMounts.map((mount): BindMount => {
    const volume = volumes.get(mount.name);
    if (!volume) throw new Error(`volumeMount ${mount.name} at ${mount.mountPath}: no such volume`);
    const subPath = mount.subPathExpr ? expandVariables(mount.subPathExpr, env) : (mount.subPath ?? '');
    return {
      source: subPath ? join(volume.path, checkedSubPath(subPath, mount)) : volume.path,
      // Runtimes resolve a relative mountPath against the container's root.
      target: join('/', mount.mountPath).replace(/(.)\/+$/, '$1'),
      readOnly: volume.readOnly || mount.readOnly === true,
    };
  });
  return mounts
    .map((mount, index) => ({ mount, index }))
    .sort((a, b) => depth(a.mount.target) - depth(b.mount.target) || a.index - b.index)
    .map(({ mount }) => mount);
}

/**
 * A container here runs its image's files from host paths (the repository, Node's own folder), not
 * from an image root file system. A volume over one of them (an emptyDir at /tmp, with the checkout
 * in /tmp) would hide what the container runs, so such a path is bound back on top of the volumes.
 */
export function withImageFilesVisible(
  mounts: readonly BindMount[],
  imageRoots: readonly string[],
): BindMount[] {
  const covers = (target: string, path: string): boolean =>
    path === target || path.startsWith(target === '/' ? '/' : `${target}/`);
  const hidden = imageRoots.filter((root) => mounts.some((mount) => covers(mount.target, root)));
  return [...mounts, ...hidden.map((root) => ({ source: root, target: root, readOnly: false }))];
}

/** The API server validates subPath the same way; subPathExpr is only known after expansion. */
function checkedSubPath(subPath: string, mount: V1VolumeMount): string {
  const parts = normalize(subPath).split('/');
  if (isAbsolute(subPath) || parts.includes('..'))
    throw new Error(`volumeMount ${mount.name} at ${mount.mountPath}: subPath ${subPath} leaves the volume`);
  return normalize(subPath);
}

function depth(path: string): number {
  return path.split('/').filter(Boolean).length;
}
