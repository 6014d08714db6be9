// Stops what podman-setup.ts started: the podman service (its images stay cached in podman's storage) and Redis.
import type { PodmanService } from '../support/podman.ts';
import stopRedis from './redis-teardown.ts';

export default async function teardown(): Promise<void> {
  await (globalThis as { spoolTestPodman?: PodmanService }).spoolTestPodman?.stop();
  await stopRedis();
}
