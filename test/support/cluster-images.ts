// Spool's images on the test cluster's process node, run from this checkout's built workspaces.
// Named by package.json's `testCluster.images`; the node adds them to its own table at start.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalImage } from '@spool/test-cluster';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const node = process.execPath;

/** A function image: the watchdog as entrypoint, the function's files as working directory. */
function spoolRuntime(workingDir: string): LocalImage {
  return { entrypoint: [node, join(repoRoot, 'watchdog/dist/main.js')], workingDir };
}

// Their listen address is the pod's own, as a pod's network namespace would make 0.0.0.0 (the chart sets neither).
export const images: Readonly<Record<string, LocalImage>> = {
  'spool/gateway': {
    entrypoint: [node, join(repoRoot, 'gateway/dist/bundle.js')],
    workingDir: repoRoot,
    env: { SPOOL_HOST: '$(POD_IP)' },
  },
  'spool/controller': {
    entrypoint: [node, join(repoRoot, 'controller/dist/bundle.js')],
    workingDir: repoRoot,
    env: { SPOOL_METRICS_HOST: '$(POD_IP)' },
  },
  // Function images are built on a Spool runtime base image, whose entrypoint is the watchdog.
  'spool/watchdog': spoolRuntime(repoRoot),
  'spool/example-echo': spoolRuntime(join(repoRoot, 'examples/echo')),
  'spool/example-sleep': spoolRuntime(join(repoRoot, 'examples/sleep')),
  'spool/example-wc': spoolRuntime(join(repoRoot, 'examples/wc')),
  // The fault suite's count function: logs each execution, so a cluster fault test counts runs and duplicates.
  'spool/test-count': spoolRuntime(join(repoRoot, 'test/faults/fixtures/count')),
};
