// Jest global setup for the images tier: podman serving the Docker Engine API (installed when missing), and the
// run's Redis for the function containers. Tests find podman through DOCKER_HOST, as the docker CLI would.
import { ensurePodmanInstalled, startPodmanService, type PodmanService } from '../support/podman.ts';
import startRedis from './redis-setup.ts';

export default async function setup(): Promise<void> {
  ensurePodmanInstalled();
  const podman = await startPodmanService();
  process.env['DOCKER_HOST'] = podman.dockerHost;
  // podman commands of the run (the base images' `podman import`) share the service's settings.
  process.env['CONTAINERS_CONF'] = podman.containersConf;
  (globalThis as { spoolTestPodman?: PodmanService }).spoolTestPodman = podman;
  await startRedis();
}
