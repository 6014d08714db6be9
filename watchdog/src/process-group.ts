// User code runs in its own process group, so a timeout or shutdown can kill everything it started.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { FunctionSpec } from '@spool/api';
import { isGroupAlive, signalGroup } from '@spool/node';
import { systemClock, type Clock } from './clock.js';

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  readonly error?: string;
}

export interface UserCommand {
  readonly file: string;
  readonly args: readonly string[];
}

export type EnvMap = Readonly<Record<string, string | undefined>>;

/** `command[0]` with the rest of `command` and then `args`, as a container runtime would join them. */
export function userCommand(spec: Pick<FunctionSpec, 'command' | 'args'>): UserCommand {
  const [file, ...rest] = spec.command;
  if (file === undefined) throw new Error('spec.command is empty');
  return { file, args: [...rest, ...spec.args] };
}

/** The user process's environment: the watchdog's own, then `spec.env`, then Spool's variables (later wins). */
export function userEnv(
  base: EnvMap,
  specEnv: FunctionSpec['env'],
  spoolVars: Readonly<Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) if (value !== undefined) env[name] = value;
  for (const { name, value } of specEnv) env[name] = value;
  return { ...env, ...spoolVars };
}

export function describeExit(status: ExitStatus): string {
  if (status.error !== undefined) return `could not start: ${status.error}`;
  if (status.signal !== null) return `killed by ${status.signal}`;
  return `exited with code ${status.code ?? 'unknown'}`;
}

/** Appends `chunk` and keeps only the last `limitBytes` bytes (for stderr tails). */
export function appendTail(tail: Buffer, chunk: Buffer, limitBytes: number): Buffer {
  const joined = Buffer.concat([tail, chunk]);
  return joined.length <= limitBytes ? joined : joined.subarray(joined.length - limitBytes);
}

export interface SpawnGroupOptions {
  readonly cwd: string | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly stdio: StdioOptions;
}

/** Spawns `command` as the leader of a new process group (`detached`), so `kill(-pid)` reaches its children. */
export function spawnGroup(command: UserCommand, options: SpawnGroupOptions): ChildProcess {
  return spawn(command.file, command.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: options.stdio,
    detached: true,
  });
}

const exits = new WeakMap<ChildProcess, Promise<ExitStatus>>();

/** Resolves once the child has exited, or at once if it already has or never started. */
export function exitOf(child: ChildProcess): Promise<ExitStatus> {
  let exited = exits.get(child);
  if (exited !== undefined) return exited;
  exited = new Promise<ExitStatus>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // A spawn failure emits 'error' and never 'exit'; later errors (a failed kill) leave 'exit' to come.
    child.once('error', (error) => {
      if (child.pid === undefined) resolve({ code: null, signal: null, error: error.message });
    });
  });
  exits.set(child, exited);
  return exited;
}

/** Polling period while waiting for a group to empty after SIGTERM. */
const GROUP_POLL_MS = 20;

/**
 * Kills the child's whole process group: SIGTERM, then SIGKILL once `graceMs` has passed with any member
 * (a grandchild too) still alive, then waits for the leader's exit.
 */
export async function killProcessGroup(
  child: ChildProcess,
  graceMs: number,
  clock: Clock = systemClock,
): Promise<ExitStatus> {
  const exited = exitOf(child);
  const pid = child.pid;
  if (pid === undefined) return exited;
  signalGroup(pid, 'SIGTERM');
  const deadlineMs = clock.now() + graceMs;
  while (isGroupAlive(pid) && clock.now() < deadlineMs) await clock.sleep(GROUP_POLL_MS);
  signalGroup(pid, 'SIGKILL');
  return exited;
}
