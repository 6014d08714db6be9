// Process helpers for benchmarks: start a service, find a process by its environment, read its CPU time.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

export function startService(command: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

export async function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

function readProc(pid: string, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}

/** Pids whose command name (`/proc/PID/comm`, at most 15 characters) is `comm`. */
export function pidsNamed(comm: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p) && readProc(p, 'comm').trim() === comm)
    .map(Number);
}

/** Pids whose environment holds every `KEY=value` given, e.g. a function's watchdog replicas. */
export function pidsWithEnv(entries: readonly string[]): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      const env = readProc(p, 'environ').split('\0');
      return entries.every((e) => env.includes(e));
    })
    .map(Number);
}

export function envOf(pid: number): Record<string, string> {
  return Object.fromEntries(
    readProc(String(pid), 'environ')
      .split('\0')
      .filter((e) => e.includes('='))
      .map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
  );
}

/** Whether the process runs Spool's watchdog (its user process inherits the same environment). */
export const isWatchdog = (pid: number): boolean =>
  readProc(String(pid), 'cmdline')
    .split('\0')
    .some((arg) => arg.endsWith('watchdog/dist/main.js'));

/** Resident memory of a process, in bytes. */
export function rssBytes(pid: number): number {
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readProc(String(pid), 'status'))?.[1];
  return Number(kib ?? NaN) * 1024;
}
