// A watchdog and a gateway on a fault test's own Redis, built as main.ts builds them (same connection options).
import { Redis } from 'ioredis';
import { whenReady } from '@spool/node';
import { parseGatewayConfig, parseWatchdogConfig, type ResolvedFunction } from '@spool/api';
import { commandConnectionOptions, createGateway, staticRegistry, type Gateway } from '@spool/gateway';
import { createWatchdog, silentLogger, type Watchdog } from '@spool/watchdog';
import { freePort } from '../../support/redis-server.js';

const quiet = (redis: Redis): Redis => redis.on('error', () => undefined);

export async function startWatchdogOn(
  redisUrl: string,
  fn: ResolvedFunction,
  env: Record<string, string>,
): Promise<Watchdog> {
  const config = parseWatchdogConfig({
    SPOOL_FUNCTION_NAME: fn.metadata.name,
    SPOOL_FUNCTION_NAMESPACE: fn.metadata.namespace,
    // The user process sees only its spec's env (issue 11, item 2): the test's variables go there.
    SPOOL_FUNCTION_SPEC: JSON.stringify({
      ...fn.spec,
      env: [...fn.spec.env, ...Object.entries(env).map(([name, value]) => ({ name, value }))],
    }),
    SPOOL_REDIS_URL: redisUrl,
    SPOOL_WATCHDOG_HOST: '127.0.0.1',
    SPOOL_WATCHDOG_PORT: '0',
    SPOOL_USER_PORT: String(await freePort()),
  });
  const watchdog = createWatchdog({
    config,
    createRedis: () => quiet(new Redis(redisUrl, { maxRetriesPerRequest: null })),
    baseEnv: process.env,
    logger: silentLogger,
  });
  await watchdog.start();
  return watchdog;
}

export interface FaultGateway {
  readonly url: string;
  readonly gateway: Gateway;
  /** Closes the gateway, then drops its connections. */
  close(): Promise<void>;
}

/** Default settings (enqueue deadline 2 s), as a user gets them. */
export async function startGatewayOn(
  redisUrl: string,
  functions: readonly ResolvedFunction[],
): Promise<FaultGateway> {
  const config = parseGatewayConfig({
    SPOOL_FUNCTIONS_DIR: 'unused',
    SPOOL_HOST: '127.0.0.1',
    SPOOL_PORT: '0',
    SPOOL_REDIS_URL: redisUrl,
  });
  const redis = quiet(new Redis(redisUrl, { ...commandConnectionOptions }));
  await whenReady(redis);
  const subscriber = quiet(new Redis(redisUrl, { maxRetriesPerRequest: null }));
  const gateway = createGateway({
    config,
    redis,
    subscriber,
    registry: staticRegistry(functions),
    gatewayId: `fault-${Math.random().toString(36).slice(2)}`,
    log: silentLogger,
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
