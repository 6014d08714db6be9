// The test run's Redis, and a unique function identity per test so tests never share queues.
import { randomUUID } from 'node:crypto';
import type { FunctionRef } from '@spool/api';

export function testRedisUrl(): string {
  const url = process.env['SPOOL_TEST_REDIS_URL'];
  if (!url)
    throw new Error(
      'SPOOL_TEST_REDIS_URL is not set: run through the integration project (test/setup/redis-setup.ts)',
    );
  return url;
}

/** A function ref no other test uses: `test-<uuid>` as its namespace. */
export const uniqueFunctionRef = (name = 'fn'): FunctionRef => ({
  namespace: `test-${randomUUID().slice(0, 8)}`,
  name,
});
