// Podman as the test run's Docker Engine API: installed with apt when missing, configured for this machine's
// hybrid cgroups and missing CAP_SYS_RESOURCE, and serving on a socket in a temporary folder.
// Only node: imports here: jest loads global setup as CommonJS, which cannot import the ESM workspaces.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// crun fails on the hybrid cgroup v1/v2 layout, and the default rlimits exceed what runc may set without
// CAP_SYS_RESOURCE (see the infrastructure notes); nothing else differs from podman's defaults.
const containersConf = `[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]

[engine]
runtime = "runc"
`;

const isInstalled = (command: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

// Package → how to tell it is there. catatonit is podman's init (HostConfig.Init), a recommendation apt may skip.
const packages: Readonly<Record<string, () => boolean>> = {
  podman: () => isInstalled('podman'),
  runc: () => isInstalled('runc'),
  catatonit: () => existsSync('/usr/libexec/podman/catatonit'),
  debootstrap: () => isInstalled('debootstrap'),
};

/** apt-get install of whatever is missing: podman, its runtime and init, and debootstrap for the base images. */
export function ensurePodmanInstalled(): void {
  const missing = Object.keys(packages).filter((name) => !(packages[name]?.() ?? false));
  if (missing.length === 0) return;
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const run = (args: string[]): void => {
    const [file = 'apt-get', ...rest] = [...sudo, ...args];
    execFileSync(file, rest, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  };
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing]);
}

export interface PodmanService {
  /** `unix:///tmp/spool-podman-…/podman.sock`, for DOCKER_HOST. */
  readonly dockerHost: string;
  readonly socketPath: string;
  /** The containers.conf the service and any podman command of the run must share. */
  readonly containersConf: string;
  readonly pid: number;
  stop(): Promise<void>;
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function waitForSocket(socketPath: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ping(socketPath))) {
    if (child.exitCode !== null) throw new Error(`podman system service exited with ${child.exitCode}`);
    if (Date.now() > deadline)
      throw new Error(`podman did not answer on ${socketPath} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** `podman system service --time=0` (no idle exit) on a fresh socket; stop() ends it and removes the folder. */
export async function startPodmanService(): Promise<PodmanService> {
  const dir = mkdtempSync(join(tmpdir(), 'spool-podman-'));
  const conf = join(dir, 'containers.conf');
  writeFileSync(conf, containersConf);
  const socketPath = join(dir, 'podman.sock');
  const child = spawn('podman', ['system', 'service', '--time=0', `unix://${socketPath}`], {
    env: { ...process.env, CONTAINERS_CONF: conf },
    stdio: ['ignore', 'ignore', process.env['SPOOL_TEST_LOG'] === '1' ? 'inherit' : 'ignore'],
  });
  await waitForSocket(socketPath, child, 15_000);
  return {
    dockerHost: `unix://${socketPath}`,
    socketPath,
    containersConf: conf,
    pid: child.pid ?? 0,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = (): void => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
  };
}
