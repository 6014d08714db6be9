// Stops the redis-server started by redis-setup.ts.
import type { RedisServer } from '../support/redis-server.js';

export default async function teardown(): Promise<void> {
  await (globalThis as { spoolTestRedis?: RedisServer }).spoolTestRedis?.stop();
}
