// The one table from container image to local command: the process node's stand-in for pulling and running images.
import { dirname, join } from 'node:path';
import { repoRoot, workspaceRoot } from '../paths.js';

export interface LocalImage {
  /** What the image's ENTRYPOINT would be; a container's `command` replaces it. */
  readonly entrypoint: readonly string[];
  /** What the image's CMD would be; a container's `args` replaces it. */
  readonly cmd?: readonly string[];
  /** The image's WORKDIR; a container's `workingDir` replaces it. */
  readonly workingDir?: string;
  /** The image's ENV; the pod's env wins. `$(POD_IP)` and other pod variables expand as in a pod spec. */
  readonly env?: Readonly<Record<string, string>>;
}

const node = process.execPath;

/** The host folders the table's images run from: the stand-in for their root file systems. */
export const imageRoots: readonly string[] = [repoRoot, dirname(node)];

/**
 * The official image's docker-entrypoint.sh reads its arguments this way: `redis-server …`, or
 * flags or a .conf file alone, run the server; anything else runs as a command. `--bind` goes
 * last because redis-server keeps the last one given, so the server listens on the pod's address.
 */
const redisEntrypoint = `case "$1" in
  redis-server) shift ;;
  -* | *.conf) ;;
  *) exec "$@" ;;
esac
exec /usr/bin/redis-server "$@" --bind "$POD_IP"`;

/** Keyed by image name without tag or digest: a name the table maps to its local command. */
export type ImageTable = Readonly<Record<string, LocalImage>>;

/**
 * The cluster's own images. The repository it serves adds its own through its package.json
 * (`"testCluster": { "images": "<module>" }`, see host-images.ts), e.g.
 *   'acme/api': { entrypoint: [process.execPath, '/path/to/api/dist/main.js'], env: { HOST: '$(POD_IP)' } },
 * Processes must bind $(POD_IP), not 0.0.0.0: every pod shares the machine's loopback (see README.md).
 */
export const builtInImages: ImageTable = {
  // Answers GET / with its pod name; see fixtures/http-server.mjs for its other routes.
  'spool-test/http-server': {
    entrypoint: [node, join(workspaceRoot, 'fixtures/http-server.mjs')],
    workingDir: workspaceRoot,
    env: { PORT: '8080' },
  },
  // Runs `command`/`args` as given, like a distribution base image with a shell.
  'spool-test/shell': { entrypoint: ['/bin/sh', '-c'], cmd: ['sleep infinity'] },
  busybox: { entrypoint: [], cmd: ['/bin/sh'] },
  // Charts' bundled Redis (e.g. `redis:7.2-bookworm`), run as Debian's redis-server.
  redis: { entrypoint: ['/bin/sh', '-c', redisEntrypoint, 'redis'], cmd: ['redis-server'] },
};

/** `registry/name:tag@sha256:…` → `registry/name`. */
export function imageName(image: string): string {
  const withoutDigest = image.split('@', 1)[0] ?? image;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const lastColon = withoutDigest.lastIndexOf(':');
  return lastColon > lastSlash ? withoutDigest.slice(0, lastColon) : withoutDigest;
}

export function findLocalImage(table: ImageTable, image: string): LocalImage | undefined {
  const name = imageName(image);
  return table[name] ?? table[name.replace(/^docker\.io\/(library\/)?/, '')];
}

export interface ContainerCommandSpec {
  readonly image: string;
  readonly command?: readonly string[] | undefined;
  readonly args?: readonly string[] | undefined;
}

/**
 * Docker's rule as Kubernetes documents it: `command` replaces ENTRYPOINT and
 * drops CMD; `args` replaces CMD. An image missing from the table can still
 * run when the container gives its own `command`.
 */
export function resolveCommand(
  table: ImageTable,
  container: ContainerCommandSpec,
): readonly string[] | undefined {
  const image = findLocalImage(table, container.image);
  if (container.command && container.command.length > 0)
    return [...container.command, ...(container.args ?? [])];
  if (!image) return undefined;
  return [...image.entrypoint, ...(container.args ?? image.cmd ?? [])];
}
