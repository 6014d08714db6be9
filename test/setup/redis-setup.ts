// Jest global setup for the integration and fault tiers: one real redis-server for the whole run, run as the
// product runs it: a bootstrap password, the service users applied, the default user off (support/redis-auth.ts).
import {
  bootstrapTestRedis,
  newRedisPasswords,
  TEST_OPERATOR_USER,
  urlWithUser,
} from '../support/redis-auth.ts';
import { startRedisServer } from '../support/redis-server.ts';

export default async function setup(): Promise<void> {
  const passwords = newRedisPasswords();
  const redis = await startRedisServer({ requirePass: passwords.bootstrap });
  (globalThis as { spoolTestRedis?: typeof redis }).spoolTestRedis = redis;
  const outcome = await bootstrapTestRedis(redis.url, passwords);
  if (outcome !== 'applied') throw new Error(`the test Redis bootstrap reported ${outcome}`);
  process.env['SPOOL_TEST_REDIS_ADDRESS'] = redis.url;
  process.env['SPOOL_TEST_REDIS_URL'] = urlWithUser(redis.url, TEST_OPERATOR_USER, passwords.operator);
  process.env['SPOOL_TEST_REDIS_GATEWAY_PASSWORD'] = passwords.gateway;
  process.env['SPOOL_TEST_REDIS_CONTROLLER_PASSWORD'] = passwords.controller;
}
