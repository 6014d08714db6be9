// One container as a local process group, in its own mount namespace so /etc/hosts and the token path are the pod's.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { descendantsOf, killAll } from '../processes.js';
import type { BindMount } from './mount-plan.js';

export interface PodMounts {
  /** Bound over /etc/hosts: Service names resolve to their ClusterIPs. */
  readonly hostsFile: string;
  /** The container's volumeMounts (the service-account token among them), parents first; see mount-plan.ts. */
  readonly volumes: readonly BindMount[];
}

export interface ProcessLaunch {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly logFile: string;
  /** Written while the process runs so `cluster down` can stop it even if the node died. */
  readonly pidFile: string;
  readonly mounts: PodMounts;
}

export interface ProcessExit {
  readonly exitCode: number;
  readonly signal: NodeJS.Signals | null;
}

let mountNamespacesWork: boolean | undefined;

// Clear of 0-2 and of 3-9, which scripts use by number; closed again before the container's exec.
const firstSourceFd = 10;

/** Needs CAP_SYS_ADMIN; without it pods run in the node's namespace, names resolve only through env vars, and no volume is mounted. */
export function canUseMountNamespaces(): boolean {
  if (mountNamespacesWork === undefined) {
    const probe = spawnSync('unshare', ['--mount', '--propagation', 'private', 'true'], { stdio: 'ignore' });
    mountNamespacesWork = probe.status === 0;
  }
  return mountNamespacesWork;
}

/**
 * Opens every volume source first, on descriptors from firstSourceFd, so a source stays reachable
 * when a later bind covers its path (an emptyDir at /tmp over a cluster directory in /tmp). They
 * are opened here, inside the new namespace, because the kernel binds only from paths of the
 * caller's own namespace. Then binds the hosts file and each volume, parents first: the target is
 * created after the earlier binds, so it lands inside a parent volume (a directory, or an empty
 * file for a file source), and `ro` remounts the bind read-only. `--no-canonicalize` keeps mount
 * from turning /proc/self/fd/N back into the covered path. bash, not sh: dash redirects only
 * descriptors 0 to 9.
 * Arguments: hosts file, number of volumes n, n sources, n pairs of target and rw|ro, then argv.
 */
const mountScript = `set -e
hosts=$1
end=$(($2 + ${firstSourceFd}))
shift 2
for ((fd = ${firstSourceFd}; fd < end; fd++)); do
  eval 'exec '"$fd"'<"$1"'
  shift
done
mount --bind "$hosts" /etc/hosts
for ((fd = ${firstSourceFd}; fd < end; fd++)); do
  source=/proc/self/fd/$fd
  if [ -d "$source" ]; then mkdir -p "$1"; else mkdir -p "$(dirname "$1")"; [ -e "$1" ] || : >"$1"; fi
  mount --no-canonicalize --bind "$source" "$1"
  if [ "$2" = ro ]; then mount -o remount,bind,ro "$1"; fi
  eval "exec $fd<&-"
  shift 2
done
exec "$@"`;

/** `unshare` keeps the pid (no fork), so the pid we record is the container's own process. */
function wrapInMountNamespace(argv: readonly string[], mounts: PodMounts): readonly string[] {
  if (!canUseMountNamespaces()) return argv;
  const volumes = mounts.volumes;
  return [
    'unshare',
    '--mount',
    '--propagation',
    'private',
    '--',
    '/bin/bash',
    '-c',
    mountScript,
    'spool-pod',
    mounts.hostsFile,
    String(volumes.length),
    ...volumes.map((m) => m.source),
    ...volumes.flatMap((m) => [m.target, m.readOnly ? 'ro' : 'rw']),
    ...argv,
  ];
}

/** How often a running container's process tree is noted, for killing what its leader leaves behind. */
const TREE_NOTE_MS = 500;

export class ContainerProcess {
  private constructor(
    readonly pid: number,
    readonly exited: Promise<ProcessExit>,
  ) {}

  static start(launch: ProcessLaunch): ContainerProcess {
    mkdirSync(dirname(launch.logFile), { recursive: true });
    const [command, ...args] = wrapInMountNamespace(launch.argv, launch.mounts);
    if (command === undefined) throw new Error('container has no command');
    const log = openSync(launch.logFile, 'a');
    const child = spawn(command, args, {
      detached: true, // its own process group, so stop() reaches everything it spawned
      stdio: ['ignore', log, log],
      env: launch.env,
      cwd: launch.cwd,
    });
    closeSync(log);
    // A container's PID 1 ending ends its PID namespace. Here the leader's children are reparented instead (a
    // watchdog SIGKILLed from outside leaves its user server, in a session of its own, holding the pod's address),
    // so the tree is noted while the leader lives and killed when it exits.
    let tree: number[] = [];
    const noteTree = setInterval(() => {
      if (child.pid !== undefined) tree = descendantsOf(child.pid);
    }, TREE_NOTE_MS);
    noteTree.unref();
    const exited = new Promise<ProcessExit>((resolveExit) => {
      child.once('error', (error) => {
        writeFileSync(
          launch.logFile,
          `[process-node] could not start ${launch.argv.join(' ')}: ${error.message}\n`,
          {
            flag: 'a',
          },
        );
        resolveExit({ exitCode: 128, signal: null });
      });
      child.once('exit', (code, signal) => {
        clearInterval(noteTree);
        killAll(tree);
        rmSync(launch.pidFile, { force: true });
        resolveExit({ exitCode: code ?? 128 + signalNumber(signal), signal });
      });
    });
    if (child.pid !== undefined) writeFileSync(launch.pidFile, `${child.pid}\n`);
    return new ContainerProcess(child.pid ?? -1, exited);
  }

  /** SIGTERM to the group, SIGKILL after graceMs (the pod's termination grace period), then waits for the exit. */
  async stop(graceMs: number): Promise<ProcessExit> {
    const tree = descendantsOf(this.pid);
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    // Children that ignored SIGTERM outlive the leader; the group, and any process below it, ends with it.
    this.signal('SIGKILL');
    killAll(tree);
    return exit;
  }

  private signal(signal: NodeJS.Signals): void {
    if (this.pid <= 0) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      // The group is gone already.
    }
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGHUP: 1 };
  return signal ? (numbers[signal] ?? 0) : 0;
}

/** Runs a short command (an exec probe) with the pod's environment and mounts; resolves to its exit code. */
export async function runToCompletion(launch: ProcessLaunch, timeoutMs: number): Promise<number> {
  const proc = ContainerProcess.start(launch);
  const timer = setTimeout(() => void proc.stop(0), timeoutMs);
  const exit = await proc.exited;
  clearTimeout(timer);
  return exit.exitCode;
}
