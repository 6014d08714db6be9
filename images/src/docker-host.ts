// Where the Docker Engine API listens, read from DOCKER_HOST the way the docker CLI reads it.

export type DockerEndpoint =
  | { readonly socketPath: string }
  | { readonly protocol: 'http'; readonly host: string; readonly port: number };

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** `unix:///run/podman/podman.sock`, `tcp://127.0.0.1:2375`, or unset for the default socket. */
export function parseDockerHost(value: string | undefined): DockerEndpoint {
  if (value === undefined || value === '') return { socketPath: DEFAULT_DOCKER_SOCKET };
  if (value.startsWith('unix://')) {
    const socketPath = value.slice('unix://'.length);
    if (socketPath.startsWith('/')) return { socketPath };
  } else if (value.startsWith('tcp://')) {
    const url = new URL(`http://${value.slice('tcp://'.length)}`);
    // 2375 is the engine's plain-HTTP port; TLS (2376) needs certificates this tool does not load.
    return { protocol: 'http', host: url.hostname, port: url.port === '' ? 2375 : Number(url.port) };
  }
  throw new Error(`DOCKER_HOST must be unix:///absolute/path or tcp://host:port, was: "${value}"`);
}
