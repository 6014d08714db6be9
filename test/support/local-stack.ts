// The local stack as the controller's and gateway's mains build it, for tests: the process runtime running real
// watchdog processes (watchdog/dist/main.js) with the controller's default lock settings, the local controller
// over it, and a gateway that reads the registry the controller publishes. One place, so every local suite runs
// the same settings a user gets from `npm start` and overrides only what it names.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { whenReady } from '@spool/node';
import {
  CONTROLLER_USER,
  parseControllerConfig,
  parseGatewayConfig,
  type ControllerConfig,
} from '@spool/api';
import {
  createLocalController,
  createProcessRuntime,
  localMaxReplicas,
  fileCredentialStore,
  silentLog,
  systemClock,
  type Controller,
  type LocalControllerDeps,
  type Log,
  type ProcessRuntime,
} from '@spool/controller';
import {
  commandConnectionOptions,
  createGateway,
  redisRegistry,
  redisScaler,
  type Gateway,
} from '@spool/gateway';
import { repoRoot } from './local-functions.js';
import { testRedisAddress, testRedisUrl, testServicePasswords } from './redis.js';

/** The watchdog every local replica runs: the built one, as `npm start` runs it. */
export const watchdogCommand: readonly string[] = [process.execPath, join(repoRoot, 'watchdog/dist/main.js')];

/** A Redis client whose errors are expected (a fault test's Redis goes away): without a listener ioredis logs them. */
const quietClient = (url: string, options: RedisOptions = { maxRetriesPerRequest: null }): Redis =>
  new Redis(url, options).on('error', () => undefined);

/** The controller's config from its defaults; `env` overrides keys by name (SPOOL_SCALE_INTERVAL_MS, …). */
export function localControllerConfig(
  redisUrl: string = testRedisUrl(),
  env: Record<string, string> = {},
): ControllerConfig {
  return parseControllerConfig({
    SPOOL_REDIS_URL: redisUrl,
    SPOOL_FUNCTIONS_DIR: 'unused',
    SPOOL_WATCHDOG_COMMAND: JSON.stringify(watchdogCommand),
    SPOOL_METRICS_HOST: '127.0.0.1',
    SPOOL_METRICS_PORT: '0',
    ...env,
  });
}

export interface LocalRuntimeOptions {
  readonly stateDir: string;
  readonly killMarginMs?: number;
}

/** The process runtime as the controller's main makes it: replicas get the config's lock settings. */
export function localProcessRuntime(config: ControllerConfig, options: LocalRuntimeOptions): ProcessRuntime {
  return createProcessRuntime({
    watchdogCommand: config.watchdogCommand,
    redisUrl: config.redisUrl,
    stateDir: options.stateDir,
    baseEnv: process.env,
    watchdog: { lock: config.watchdogLock },
    maxReplicas: localMaxReplicas(config.localMaxReplicas),
    clock: systemClock,
    log: silentLog,
    ...(options.killMarginMs === undefined ? {} : { killMarginMs: options.killMarginMs }),
  });
}

export interface LocalControllerOptions {
  /** What it serves: `staticSource([...])`, or a live folder. */
  readonly source: LocalControllerDeps['source'];
  readonly redisUrl?: string;
  /** Controller env overrides, as the user would set them. */
  readonly env?: Record<string, string>;
  /** Replica logs and state; a fresh temporary folder, removed on close, when not given. */
  readonly stateDir?: string;
  readonly killMarginMs?: number;
  readonly log?: Log;
  /**
   * Runs as `npm start` does on the run's Redis: the controller as its own user (spool-controller) with a
   * credential store, so each replica gets its function's own user. Otherwise it connects with `redisUrl` as given.
   */
  readonly ownUsers?: boolean;
}

export interface LocalController {
  readonly config: ControllerConfig;
  readonly runtime: ProcessRuntime;
  readonly controller: Controller;
  readonly stateDir: string;
  close(): Promise<void>;
}

/** A started local controller with its process runtime; close() stops its replicas. */
export async function startLocalController(options: LocalControllerOptions): Promise<LocalController> {
  const config = localControllerConfig(options.ownUsers ? testRedisAddress() : options.redisUrl, options.env);
  const ownDir = options.stateDir === undefined;
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'spool-local-stack-'));
  const runtime = localProcessRuntime(config, {
    stateDir,
    ...(options.killMarginMs === undefined ? {} : { killMarginMs: options.killMarginMs }),
  });
  const controller = createLocalController({
    config,
    redis: () =>
      quietClient(config.redisUrl, {
        maxRetriesPerRequest: null,
        ...(options.ownUsers
          ? { username: CONTROLLER_USER, password: testServicePasswords().controller }
          : {}),
      }),
    ...(options.ownUsers ? { credentials: fileCredentialStore(join(stateDir, 'redis-users')) } : {}),
    runtime,
    source: options.source,
    clock: systemClock,
    log: options.log ?? silentLog,
  });
  await controller.start();
  return {
    config,
    runtime,
    controller,
    stateDir,
    close: async () => {
      await controller.close();
      if (ownDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

export interface RegistryGateway {
  readonly url: string;
  readonly gateway: Gateway;
  close(): Promise<void>;
}

/**
 * A gateway with its defaults, connected as gateway/src/main.ts connects it (a fail-fast command connection, a
 * subscriber), that learns the Functions from the registry a controller publishes in Redis.
 */
export async function startRegistryGateway(
  redisUrl: string = testRedisUrl(),
  env: Record<string, string> = {},
): Promise<RegistryGateway> {
  const redis = quietClient(redisUrl, { ...commandConnectionOptions });
  const subscriber = quietClient(redisUrl);
  await Promise.all([whenReady(redis), whenReady(subscriber)]);
  const gateway = createGateway({
    config: parseGatewayConfig({
      SPOOL_FUNCTIONS_DIR: 'unused',
      SPOOL_HOST: '127.0.0.1',
      SPOOL_PORT: '0',
      SPOOL_REDIS_URL: redisUrl,
      ...env,
    }),
    redis,
    subscriber,
    registry: await redisRegistry(redis, subscriber),
    scaler: redisScaler(redis),
    gatewayId: `test-${Math.random().toString(36).slice(2)}`,
    log: silentLog,
  });
  const { port } = await gateway.start();
  return {
    url: `http://127.0.0.1:${port}`,
    gateway,
    close: async () => {
      await gateway.close();
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}
