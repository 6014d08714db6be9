// A watchdog on a fault test's own Redis, built as main.ts builds it (same connection options); its gateway is
// test/support/local-functions.ts startGateway on a sharedRedisTarget.
import { Redis } from 'ioredis';
import { parseWatchdogConfig, type ResolvedFunction } from '@spool/api';
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
