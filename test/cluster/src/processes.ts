// Background processes of the cluster: started detached with a pid file and a log file, stopped by pid.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { paths } from './paths.js';

export interface DaemonSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

export function pidFile(name: string): string {
  return join(paths.pids, `${name}.pid`);
}

export function logFile(name: string): string {
  return join(paths.logs, `${name}.log`);
}

/** Starts a process in its own process group, so stopping it also stops whatever it spawned. */
export function startDaemon(spec: DaemonSpec): number {
  mkdirSync(paths.pids, { recursive: true });
  mkdirSync(paths.logs, { recursive: true });
  const log = openSync(logFile(spec.name), 'a');
  const child = spawn(spec.command, [...spec.args], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...spec.env },
    cwd: spec.cwd,
  });
  if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
  child.unref();
  writeFileSync(pidFile(spec.name), `${child.pid}\n`);
  return child.pid;
}

export function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: gone. EPERM cannot happen: every process here is our own.
    return false;
  }
}

export function isDaemonRunning(name: string): boolean {
  const pid = readPid(pidFile(name));
  return pid !== undefined && isAlive(pid);
}

/**
 * Every process below `pid`, whatever its process group: a container runtime ends the whole cgroup, so a
 * stopped container must not leave behind children that made groups of their own (the watchdog's user process).
 */
export function descendantsOf(pid: number): number[] {
  const children = readdirSafe(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      return readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
  return children.flatMap((child) => [child, ...descendantsOf(child)]);
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** SIGKILL to processes that outlived their container's leader. */
export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** SIGTERM to the process group, then SIGKILL after graceMs; then anything left below it. Resolves when the leader is gone. */
export async function stopProcessGroup(pid: number, graceMs: number): Promise<void> {
  const tree = descendantsOf(pid);
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  signalGroup(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(20);
  killAll(tree);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone; try the process itself in case it left its group.
    try {
      process.kill(pid, signal);
    } catch {
      // Gone too: nothing left to stop.
    }
  }
}

export async function stopDaemon(name: string, graceMs: number): Promise<void> {
  const file = pidFile(name);
  const pid = readPid(file);
  if (pid !== undefined) await stopProcessGroup(pid, graceMs);
  rmSync(file, { force: true });
}

/** Every pid file below a directory, for stopping pod processes the node left behind. */
export function pidFilesBelow(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((entry) => entry.endsWith('.pid'))
    .map((entry) => join(dir, entry));
}
