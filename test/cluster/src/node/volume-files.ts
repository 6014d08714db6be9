// The files of a Secret or ConfigMap volume: keys (or `items`) to paths, with their modes. Pure.
import type { V1KeyToPath } from '@kubernetes/client-node';

export interface VolumeFile {
  /** Relative to the volume's directory; an item's `path` may contain subdirectories. */
  readonly path: string;
  readonly content: Buffer;
  readonly mode: number;
}

export interface KeyedVolumeSource {
  readonly items?: readonly V1KeyToPath[] | undefined;
  /** Octal 0644 (420) when unset, the API's default for both kinds. */
  readonly defaultMode?: number | undefined;
  readonly optional?: boolean | undefined;
}

export const defaultFileMode = 0o644;

/**
 * As the kubelet's secret and configMap volume plugins: without `items` every key is a file;
 * with them only the listed keys, at their paths and modes. An object that does not exist
 * (`data` undefined) is an empty volume when `optional`, an error otherwise; so is a listed
 * key it lacks.
 */
export function desiredVolumeFiles(
  what: string,
  data: Readonly<Record<string, Buffer>> | undefined,
  source: KeyedVolumeSource,
): VolumeFile[] {
  if (data === undefined) {
    if (source.optional) return [];
    throw new Error(`${what} not found`);
  }
  const mode = source.defaultMode ?? defaultFileMode;
  if (!source.items) return Object.entries(data).map(([key, content]) => ({ path: key, content, mode }));
  return source.items.flatMap((item) => {
    const content = data[item.key];
    if (content !== undefined) return [{ path: item.path, content, mode: item.mode ?? mode }];
    if (source.optional) return [];
    throw new Error(`${what} has no key ${item.key}`);
  });
}
