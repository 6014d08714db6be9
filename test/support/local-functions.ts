// Functions served in-process for integration tests: a real watchdog (and real user process) per function,
// a real gateway in front, all on the test run's Redis.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectRedis, whenReady, type Redis } from '@spool/node';
import {
  CONTROLLER_USER,
  GATEWAY_USER,
  redisAuthOptions,
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
import { createOutboxMover, silentLog, systemClock } from '@spool/controller';
import { commandConnectionOptions, createGateway, staticRegistry, type Gateway } from '@spool/gateway';
import { createWatchdog, silentLogger, type Watchdog } from '@spool/watchdog';
import { grantFunctionUser, type TestRedisTarget } from './redis-auth.js';
import { freePort } from './redis-server.js';
import { suiteRedis, uniqueFunctionRef } from './redis.js';

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

/**
 * A watchdog as a replica runs: as its function's own Redis user (provisioned here as the controller would), with
 * the controller's outbox mover for it beside (callbacks leave through the function's outbox). `redis` lets a suite
 * use a Redis of its own (the callback queue is shared by every gateway on one Redis).
 */
export async function startWatchdog(
  fn: ResolvedFunction,
  env: Record<string, string> = {},
  redis: TestRedisTarget = suiteRedis(),
): Promise<Watchdog> {
  const ref = { namespace: fn.metadata.namespace, name: fn.metadata.name };
  const credential = redis.shared ? {} : await grantFunctionUser(redis.operatorUrl, ref);
  const config = parseWatchdogConfig(
    watchdogEnv(fn, {
      redisUrl: redis.address,
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
    createRedis: () => connectRedis(redis.address, { ...credential, maxRetriesPerRequest: null }),
    baseEnv: { ...process.env, ...env },
    logger: silentLogger,
  });
  const mover = await startOutboxMover(redis, [ref]);
  await watchdog.start();
  return {
    ...watchdog,
    start: () => watchdog.start(),
    port: () => watchdog.port(),
    close: async () => {
      const closed = await watchdog.close();
      await mover.close();
      return closed;
    },
  };
}

export interface RunningOutboxMover {
  close(): Promise<void>;
}

/** The controller's outbox mover for `refs`, as the controller's user. */
export async function startOutboxMover(
  redis: TestRedisTarget,
  refs: readonly FunctionRef[],
): Promise<RunningOutboxMover> {
  const auth = redis.shared ? {} : { username: CONTROLLER_USER, password: redis.controllerPassword };
  const command = connectRedis(redis.address, { ...auth, maxRetriesPerRequest: null });
  const subscriber = connectRedis(redis.address, { ...auth, maxRetriesPerRequest: null });
  const mover = createOutboxMover({
    redis: command,
    subscriber,
    functions: () => refs,
    clock: systemClock,
    log: silentLog,
    sweepIntervalMs: 500,
  });
  await mover.start();
  return {
    close: async () => {
      await mover.close();
      command.disconnect();
      subscriber.disconnect();
    },
  };
}

export interface TestGateway {
  readonly url: string;
  /** Its id: the last part of the reply channels it listens on. */
  readonly gatewayId: string;
  readonly gateway: Gateway;
  readonly redis: Redis;
  close(): Promise<void>;
}

/** A gateway as its own Redis user (`spool-gateway`) on `redis`. */
export async function startGateway(
  functions: readonly ResolvedFunction[],
  env: Record<string, string> = {},
  target: TestRedisTarget = suiteRedis(),
): Promise<TestGateway> {
  const config = parseGatewayConfig({
    SPOOL_FUNCTIONS_DIR: 'unused',
    SPOOL_HOST: '127.0.0.1',
    SPOOL_PORT: '0',
    ...env,
    SPOOL_REDIS_URL: target.address,
    ...(target.shared
      ? {}
      : { SPOOL_REDIS_USERNAME: GATEWAY_USER, SPOOL_REDIS_PASSWORD: target.gatewayPassword }),
  });
  const auth = redisAuthOptions(config.redisAuth);
  const gatewayId = `test-${Math.random().toString(36).slice(2)}`;
  // Error listeners as main.ts has them: ioredis reconnects by itself, and a fault test's Redis goes away.
  const redis = connectRedis(config.redisUrl, {
    ...auth,
    ...commandConnectionOptions,
    connectionName: 'spool-test-gateway',
  }).on('error', () => undefined);
  await whenReady(redis);
  const subscriber = connectRedis(config.redisUrl, {
    ...auth,
    maxRetriesPerRequest: null,
    connectionName: 'spool-test-gateway',
  }).on('error', () => undefined);
  const gateway = createGateway({
    config,
    redis,
    subscriber,
    registry: staticRegistry(functions),
    gatewayId,
    log: silentLogger,
  });
  const { port } = await gateway.start();
  return {
    url: `http://127.0.0.1:${port}`,
    gatewayId,
    gateway,
    redis,
    close: async () => {
      await gateway.close();
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}
