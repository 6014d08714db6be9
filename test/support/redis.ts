// The test run's Redis, and a unique function identity per test so tests never share queues.
import { randomUUID } from 'node:crypto';
import type { FunctionRef } from '@spool/api';
import type { TestRedisTarget } from './redis-auth.js';

const fromSetup = (key: string): string => {
  const value = process.env[key];
  if (!value)
    throw new Error(`${key} is not set: run through the integration project (test/setup/redis-setup.ts)`);
  return value;
};

/** The operator's URL (credentials inside): for tests that inspect or clean up Redis, never for a component. */
export const testRedisUrl = (): string => fromSetup('SPOOL_TEST_REDIS_URL');

/** The plain address, as components get it in SPOOL_REDIS_URL; their user comes apart. */
export const testRedisAddress = (): string => fromSetup('SPOOL_TEST_REDIS_ADDRESS');

/** The service users' passwords the setup bootstrapped. */
export const testServicePasswords = (): { gateway: string; controller: string } => ({
  gateway: fromSetup('SPOOL_TEST_REDIS_GATEWAY_PASSWORD'),
  controller: fromSetup('SPOOL_TEST_REDIS_CONTROLLER_PASSWORD'),
});

/** A function ref no other test uses: `test-<uuid>` as its namespace. */
export const uniqueFunctionRef = (name = 'fn'): FunctionRef => ({
  namespace: `test-${randomUUID().slice(0, 8)}`,
  name,
});

/** The run's Redis as a target for test/support/local-functions.ts. */
export const suiteRedis = (): TestRedisTarget => ({
  address: testRedisAddress(),
  operatorUrl: testRedisUrl(),
  gatewayPassword: testServicePasswords().gateway,
  controllerPassword: testServicePasswords().controller,
});
