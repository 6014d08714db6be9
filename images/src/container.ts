// How a function container runs: the watchdog's environment and the same restrictions a function pod gets.

import { watchdogEnv, type ResolvedFunction, type WatchdogSettings } from '@spool/api';
import type { ContainerCreateOptions } from 'dockerode';

export interface FunctionContainerOptions {
  readonly image: string;
  readonly fn: ResolvedFunction;
  readonly redisUrl: string;
  /** Port of the watchdog's probe and metrics server. */
  readonly watchdogPort: number;
  /** Port the user's server listens on (http mode); on the host network it must be free there. */
  readonly userPort: number;
  /** Address both the watchdog and the user's server bind. */
  readonly host: string;
  /** Extra watchdog settings (`killGraceMs`…); the ones above win. */
  readonly watchdog?: Partial<WatchdogSettings>;
}

/** The watchdog's environment, as the controller's desiredDeployment sets it in a pod. */
export function functionContainerEnv(options: FunctionContainerOptions): Record<string, string> {
  return watchdogEnv(options.fn, {
    ...options.watchdog,
    redisUrl: options.redisUrl,
    host: options.host,
    port: options.watchdogPort,
    userHost: options.host,
    userPort: options.userPort,
  });
}

/**
 * Host networking keeps every connection on the machine's loopback (a bridged container cannot reach a Redis
 * bound to 127.0.0.1); the rest mirrors the pod's securityContext: read-only root, /tmp the only writable
 * place, no capabilities, no privilege escalation. Init reaps orphans and forwards SIGTERM, so a stop drains
 * at once instead of waiting out the stop timeout.
 */
export function desiredFunctionContainer(options: FunctionContainerOptions): ContainerCreateOptions {
  return {
    Image: options.image,
    Env: Object.entries(functionContainerEnv(options)).map(([key, value]) => `${key}=${value}`),
    Labels: { 'spool.dev/function': `${options.fn.metadata.namespace}.${options.fn.metadata.name}` },
    HostConfig: {
      NetworkMode: 'host',
      Init: true,
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=64m' },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
    },
  };
}
