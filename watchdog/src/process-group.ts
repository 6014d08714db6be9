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

/**
 * What the user process takes from the watchdog's environment: the operating system's basics (the image's `PATH`
 * finds the user's command, locale and time zone). Nothing else: the watchdog's own environment carries the
 * function's Redis credential and address (`SPOOL_*`), tracing headers and the orchestrator's service variables,
 * and function code must see none of them (issue 11, item 2). Anything else a function needs goes in `spec.env`.
 */
export const INHERITED_ENV: readonly string[] = [
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TERM', 'TMPDIR', 'TZ', 'LANG', 'LANGUAGE',
  // `npm start`'s process tag (a state-dir path, no secret): how its launcher finds a user process whose
  // replica died, so none outlives the stack (scripts/stack-processes.ts).
  'LOCAL_SPOOL_STACK',
]; // prettier-ignore

const isInherited = (name: string): boolean => INHERITED_ENV.includes(name) || name.startsWith('LC_');

/**
 * The user process's environment: INHERITED_ENV from the watchdog's own, then `spec.env`, then Spool's variables
 * (later wins; see docs/function-reference.md for the call variables).
 */
export function userEnv(
  base: EnvMap,
  specEnv: FunctionSpec['env'],
  spoolVars: Readonly<Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base))
    if (value !== undefined && isInherited(name)) env[name] = value;
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
  /** Descriptors 0, 1 and 2. */
  readonly stdio: readonly ['ignore' | 'pipe', 'inherit' | 'pipe', 'inherit' | 'pipe'];
  /** Run under GUARD_SOURCE, so the group dies with the watchdog even when it is SIGKILLed (config.lifelineFd). */
  readonly guarded: boolean;
}

/**
 * A guard leads the user process's group and holds the far end of a socket pair only the watchdog holds the
 * other end of. The kernel closes the watchdog's end when it dies, however it dies (SIGKILL included), so the
 * guard reads EOF and SIGKILLs its whole group. Node cannot ask for PR_SET_PDEATHSIG, and the pdeath signal would
 * reach only the direct child anyway; the group kill also takes the user process's own children. Signals the
 * watchdog sends the group (a timeout's SIGTERM) are for the user process: the guard waits for it, then ends the
 * same way (same code, or the same signal), so the watchdog sees the user process's own exit status.
 * Run as `node -e GUARD_SOURCE -- file ...args`: no file to ship, one short-lived process per group.
 */
export const GUARD_SOURCE = `'use strict';
const { spawn } = require('node:child_process');
const { Socket } = require('node:net');
const { signals } = require('node:os').constants;
const [file, ...args] = process.argv.slice(1);
process.title = 'spool-guard ' + file;
const killGroup = () => {
  try { process.kill(-process.pid, 'SIGKILL'); } finally { process.exit(137); }
};
const lifeline = new Socket({ fd: 3, readable: true, writable: false });
lifeline.on('end', killGroup).on('close', killGroup).on('error', killGroup).resume();
for (const name of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(name, () => undefined);
const child = spawn(file, args, { stdio: 'inherit' });
child.on('error', (error) => {
  process.stderr.write('could not start ' + file + ': ' + error.message + '\\n');
  process.exit(127);
});
child.on('exit', (code, signal) => {
  lifeline.removeAllListeners().destroy();
  if (signal === null) process.exit(code === null ? 1 : code);
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
  setTimeout(() => process.exit(128 + (signals[signal] || 0)), 100);
});
`;

/**
 * Spawns `command` as the leader of a new process group (`detached`), so `kill(-pid)` reaches its children;
 * guarded, the leader is the guard (above) and `command` its child in the same group.
 */
export function spawnGroup(command: UserCommand, options: SpawnGroupOptions): ChildProcess {
  const spawnOptions = { cwd: options.cwd, env: options.env, detached: true };
  if (!options.guarded)
    return spawn(command.file, command.args, { ...spawnOptions, stdio: [...options.stdio] });
  const stdio: StdioOptions = [...options.stdio, 'pipe'];
  return spawn(process.execPath, ['-e', GUARD_SOURCE, '--', command.file, ...command.args], {
    ...spawnOptions,
    stdio,
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
