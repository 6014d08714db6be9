// What one local replica is told: its function, its ports and the parent's environment. Pure.
import { join } from 'node:path';
import type { FunctionRef, ResolvedFunction } from '@spool/api';

export interface ReplicaEnvOptions {
  /** The controller's environment (PATH, HOME, …), inherited by every replica. */
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  /** Watchdog settings for every replica (main passes the controller's `queueLockEnv`); the runtime's own keys win. */
  readonly watchdogEnv?: Readonly<Record<string, string>>;
  readonly redisUrl: string;
  readonly watchdogPort: number;
  readonly userPort: number;
}

/**
 * The parent's variables, minus its own `SPOOL_*` settings: the controller's `SPOOL_PORT` or `SPOOL_METRICS_PORT`
 * would otherwise be read by the watchdog as its own. Then the watchdog's contract (api `parseWatchdogConfig`).
 */
export function replicaEnv(fn: ResolvedFunction, options: ReplicaEnvOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.baseEnv)) {
    if (value !== undefined && !name.startsWith('SPOOL_')) env[name] = value;
  }
  return {
    ...env,
    ...options.watchdogEnv,
    SPOOL_FUNCTION_NAME: fn.metadata.name,
    SPOOL_FUNCTION_NAMESPACE: fn.metadata.namespace,
    SPOOL_FUNCTION_SPEC: JSON.stringify(fn.spec),
    SPOOL_REDIS_URL: options.redisUrl,
    SPOOL_WATCHDOG_HOST: '127.0.0.1',
    SPOOL_WATCHDOG_PORT: String(options.watchdogPort),
    SPOOL_USER_PORT: String(options.userPort),
    SPOOL_LIFELINE_FD: String(LIFELINE_FD),
  };
}

/**
 * The replica's descriptor 3 is one end of a socket pair whose other end only the runtime holds: the watchdog
 * exits when the runtime dies, and guards its user processes so they die with it (api WatchdogConfig.lifelineFd).
 */
export const LIFELINE_FD = 3;

/** `<stateDir>/logs/<namespace>.<name>-<index>.log`; a replacement replica appends to its predecessor's file. */
export const replicaLogPath = (stateDir: string, ref: FunctionRef, index: number): string =>
  join(stateDir, 'logs', `${ref.namespace}.${ref.name}-${index}.log`);

/** The smallest index no current replica holds, so indexes stay small and log files few. */
export function freeIndex(taken: readonly number[]): number {
  const used = new Set(taken);
  let index = 0;
  while (used.has(index)) index += 1;
  return index;
}

/**
 * Delay before replacing a replica that died on its own: none after a long life, then doubling from 100 ms per
 * consecutive early death up to 30 s, so a broken command does not spin.
 */
export function restartDelayMs(consecutiveCrashes: number): number {
  if (consecutiveCrashes <= 0) return 0;
  return Math.min(30_000, 100 * 2 ** (consecutiveCrashes - 1));
}
