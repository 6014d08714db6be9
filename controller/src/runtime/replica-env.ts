// What one local replica is told: its function, its ports and the parent's environment. Pure.
import { join } from 'node:path';
import {
  watchdogEnv,
  type FunctionRef,
  type RedisAuth,
  type ResolvedFunction,
  type WatchdogSettings,
} from '@spool/api';

export interface ReplicaEnvOptions {
  /** The controller's environment (PATH, HOME, …), inherited by every replica. */
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  /** Watchdog settings for every replica (main passes the controller's queue `lock`); the runtime's own (Redis, ports) still win. */
  readonly watchdog?: Partial<WatchdogSettings>;
  readonly redisUrl: string;
  /** The replica's Redis credential: its function's own user, so no other replica's environment holds it. */
  readonly redisAuth?: RedisAuth;
  readonly watchdogPort: number;
  readonly userPort: number;
}

/**
 * The parent's variables, minus its own `SPOOL_*` settings: the controller's `SPOOL_PORT` or `SPOOL_METRICS_PORT`
 * would otherwise be read by the watchdog as its own, and its Redis credentials (`SPOOL_REDIS_*`) are not the
 * replica's to have. Then the watchdog's contract (api `parseWatchdogConfig`).
 */
export function replicaEnv(fn: ResolvedFunction, options: ReplicaEnvOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.baseEnv)) {
    if (value !== undefined && !name.startsWith('SPOOL_')) env[name] = value;
  }
  return {
    ...env,
    ...watchdogEnv(fn, {
      ...options.watchdog,
      redisUrl: options.redisUrl,
      redisAuth: options.redisAuth ?? NO_REDIS_AUTH,
      host: '127.0.0.1',
      port: options.watchdogPort,
      userPort: options.userPort,
      lifelineFd: LIFELINE_FD,
    }),
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

export const NO_REDIS_AUTH: RedisAuth = { username: undefined, password: undefined };
