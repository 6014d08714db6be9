// A pod's volumes on the host: emptyDirs and Secret/ConfigMap files under the pod's directory, hostPaths and claims' PVs in place.
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  rmSync,
  statSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { V1Container, V1HostPathVolumeSource, V1Pod, V1Volume } from '@kubernetes/client-node';
import type { ApiClient } from './api-client.js';
import { imageRoots } from './images.js';
import {
  desiredMounts,
  isServiceAccountTokenVolume,
  mountedVolumeNames,
  supportedVolumeKinds,
  type BindMount,
  type ResolvedVolume,
  withImageFilesVisible,
} from './mount-plan.js';
import { desiredVolumeFiles, type VolumeFile } from './volume-files.js';
import { readClaimHostPath, readConfigMapBytes, readSecretBytes } from './volume-objects.js';

export interface PodVolumesOptions {
  readonly api: ApiClient;
  readonly pod: V1Pod;
  readonly podDir: string;
  /** The token, ca.crt and namespace files, when the pod has a service-account token volume. */
  readonly serviceAccountDir?: string | undefined;
}

export class PodVolumes {
  private readonly resolved = new Map<string, ResolvedVolume>();
  private removed = false;

  constructor(private readonly options: PodVolumesOptions) {}

  /** Where emptyDirs and Secret/ConfigMap files live; removed with the pod. */
  get dir(): string {
    return join(this.options.podDir, 'volumes');
  }

  /** Makes every mounted volume ready on the host; safe to call again after a failure (emptyDirs keep their files). */
  async prepare(): Promise<void> {
    const mounted = mountedVolumeNames(this.options.pod);
    for (const volume of this.options.pod.spec?.volumes ?? []) {
      // A pod deleted while its volumes were still being prepared leaves nothing behind.
      if (this.removed) throw new Error('the pod is terminating');
      if (!mounted.has(volume.name)) continue;
      try {
        this.resolved.set(volume.name, await this.resolve(volume));
      } catch (error) {
        throw new Error(`volume ${volume.name}: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
    }
  }

  /** The container's bind mounts; a subPath missing from its volume is created, as the kubelet does. */
  mountsFor(container: V1Container, env: Readonly<Record<string, string>>): BindMount[] {
    const mounts = desiredMounts(container.volumeMounts ?? [], this.resolved, env);
    for (const mount of mounts) if (!existsSync(mount.source)) mkdirSync(mount.source, { recursive: true });
    return withImageFilesVisible(mounts, imageRoots);
  }

  /** After the pod's processes are gone: its emptyDirs and its copies of Secrets go with it. */
  remove(): void {
    this.removed = true;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private get namespace(): string {
    return this.options.pod.metadata?.namespace ?? 'default';
  }

  private async resolve(volume: V1Volume): Promise<ResolvedVolume> {
    if (volume.secret || volume.configMap) return this.resolveObjectFiles(volume);
    if (volume.persistentVolumeClaim) {
      const path = await readClaimHostPath(
        this.options.api,
        this.namespace,
        volume.persistentVolumeClaim.claimName,
      );
      mkdirSync(path, { recursive: true });
      return { path, readOnly: volume.persistentVolumeClaim.readOnly === true };
    }
    if (volume.emptyDir) {
      // medium: Memory is a plain directory too: nothing here limits or accounts memory.
      const path = join(this.dir, 'empty-dir', volume.name);
      mkdirSync(path, { recursive: true });
      return { path, readOnly: false };
    }
    if (volume.hostPath) return { path: prepareHostPath(volume.hostPath), readOnly: false };
    const tokenDir = this.options.serviceAccountDir;
    if (isServiceAccountTokenVolume(volume) && tokenDir) return { path: tokenDir, readOnly: true };
    // unmountableReason() refuses such a pod before its volumes are prepared.
    throw new Error(`the process node mounts only ${supportedVolumeKinds}`);
  }

  private async resolveObjectFiles(volume: V1Volume): Promise<ResolvedVolume> {
    const { api } = this.options;
    if (volume.secret) {
      const name = volume.secret.secretName ?? '';
      const data = await readSecretBytes(api, this.namespace, name);
      const files = desiredVolumeFiles(`secret ${name}`, data, volume.secret);
      return writeVolumeFiles(join(this.dir, 'secret', volume.name), files);
    }
    const source = volume.configMap ?? {};
    const name = source.name ?? '';
    const data = await readConfigMapBytes(api, this.namespace, name);
    const files = desiredVolumeFiles(`configMap ${name}`, data, source);
    return writeVolumeFiles(join(this.dir, 'config-map', volume.name), files);
  }
}

/** Secret and ConfigMap volumes are read-only in every container, as the kubelet mounts them. */
function writeVolumeFiles(dir: string, files: readonly VolumeFile[]): ResolvedVolume {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const file of files) {
    const path = join(dir, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
    // chmod, not writeFile's mode: that one is masked by the umask.
    chmodSync(path, file.mode);
  }
  return { path: dir, readOnly: true };
}

const hostPathTypeChecks: Readonly<Record<string, (stat: Stats) => boolean>> = {
  Directory: (stat) => stat.isDirectory(),
  File: (stat) => stat.isFile(),
  Socket: (stat) => stat.isSocket(),
  CharDevice: (stat) => stat.isCharacterDevice(),
  BlockDevice: (stat) => stat.isBlockDevice(),
};

/** The `type` field as the kubelet's hostPath checks read it; an empty type checks nothing. */
function prepareHostPath(source: V1HostPathVolumeSource): string {
  const { path, type = '' } = source;
  if (type === 'DirectoryOrCreate') mkdirSync(path, { recursive: true });
  if (type === 'FileOrCreate') {
    mkdirSync(dirname(path), { recursive: true });
    closeSync(openSync(path, 'a'));
  }
  const check = hostPathTypeChecks[type];
  const stat = statSync(path, { throwIfNoEntry: false });
  if (check && !(stat && check(stat))) throw new Error(`hostPath ${path} is not a ${type}`);
  return path;
}
