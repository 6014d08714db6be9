// Jest global setup for the integration tier: one real redis-server for the whole run.
import { startRedisServer } from '../support/redis-server.ts';

export default async function setup(): Promise<void> {
  const redis = await startRedisServer();
  process.env['SPOOL_TEST_REDIS_URL'] = redis.url;
  (globalThis as { spoolTestRedis?: typeof redis }).spoolTestRedis = redis;
}
