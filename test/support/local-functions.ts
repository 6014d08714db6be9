// Functions served in-process for integration tests: a real watchdog (and real user process) per function,
// a real gateway in front, all on the test run's Redis.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectRedis, whenReady, type Redis } from '@spool/node';
import {
  parseGatewayConfig,
  parseWatchdogConfig,
  resolveFunction,
  watchdogEnv,
  type FunctionRef,
  type FunctionSpecInput,
  type ResolvedFunction,
  defaultQueueLockConfig,
  type QueueLockConfig,
} from '@spool/api';
import { commandConnectionOptions, createGateway, staticRegistry, type Gateway } from '@spool/gateway';
import { createWatchdog, silentLogger, type Watchdog } from '@spool/watchdog';
import { freePort } from './redis-server.js';
import { testRedisUrl, uniqueFunctionRef } from './redis.js';

/**
 * In-process watchdogs share jest's event loop, which loading and transforming modules can block for seconds on a
 * loaded machine: the default 5 s lock would see false stalls. The fault suite runs real watchdog processes with the
 * defaults.
 */
export const IN_PROCESS_LOCK: QueueLockConfig = { ...defaultQueueLockConfig(), lockDurationMs: 30_000 };

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const examplePath = (...parts: string[]): string => join(repoRoot, 'examples', ...parts);
export const fixturePath = (...parts: string[]): string => join(repoRoot, 'test', 'fixtures', ...parts);

/** A validated, defaulted Function at `ref`. */
export const functionFixture = (ref: FunctionRef, spec: FunctionSpecInput): ResolvedFunction =>
  resolveFunction({ apiVersion: 'spool.dev/v1alpha1', kind: 'Function', metadata: { ...ref }, spec });

/** The same, at a namespace no other test uses. */
export const testFunction = (spec: FunctionSpecInput, name = 'fn'): ResolvedFunction =>
  functionFixture(uniqueFunctionRef(name), spec);

/** `redisUrl` lets a suite use a Redis database of its own (the callback queue is shared by every gateway). */
export async function startWatchdog(
  fn: ResolvedFunction,
  env: Record<string, string> = {},
  redisUrl = testRedisUrl(),
): Promise<Watchdog> {
  const config = parseWatchdogConfig(
    watchdogEnv(fn, {
      redisUrl,
      host: '127.0.0.1',
      port: 0,
      userPort: await freePort(),
      lock: IN_PROCESS_LOCK,
      killGraceMs: 300,
      restartBackoffMaxMs: 500,
    }),
  );
  const watchdog = createWatchdog({
    config,
    createRedis: () => connectRedis(redisUrl, { maxRetriesPerRequest: null }),
    baseEnv: { ...process.env, ...env },
    logger: silentLogger,
  });
  await watchdog.start();
  return watchdog;
}

export interface TestGateway {
  readonly url: string;
  readonly gateway: Gateway;
  readonly redis: Redis;
  close(): Promise<void>;
}

export async function startGateway(
  functions: readonly ResolvedFunction[],
  env: Record<string, string> = {},
): Promise<TestGateway> {
  const config = parseGatewayConfig({
    SPOOL_FUNCTIONS_DIR: 'unused',
    SPOOL_HOST: '127.0.0.1',
    SPOOL_PORT: '0',
    SPOOL_REDIS_URL: testRedisUrl(),
    ...env,
  });
  const redis = connectRedis(config.redisUrl, {
    ...commandConnectionOptions,
    connectionName: 'spool-test-gateway',
  });
  await whenReady(redis);
  const subscriber = connectRedis(config.redisUrl, {
    maxRetriesPerRequest: null,
    connectionName: 'spool-test-gateway',
  });
  const gateway = createGateway({
    config,
    redis,
    subscriber,
    registry: staticRegistry(functions),
    gatewayId: `test-${Math.random().toString(36).slice(2)}`,
    log: silentLogger,
  });
  const { port } = await gateway.start();
  return {
    url: `http://127.0.0.1:${port}`,
    gateway,
    redis,
    close: async () => {
      await gateway.close();
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}
