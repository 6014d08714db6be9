// Local mode: each function's status is checked JSON in one Redis hash (FUNCTION_STATUS_KEY), which the gateway
// reads for /system/function/NAME. Refusals are in the status and the controller's log.
import type { Redis } from '@spool/node';
import { FUNCTION_STATUS_KEY, channels, decodeFunctionStatusJson, type FunctionStatus } from '@spool/api';
import type { Log } from '../log.js';
import { sameStatus, type StatusWriter } from './status-writer.js';

export function createRedisStatusWriter(redis: Redis, log: Log): StatusWriter {
  /** What this controller last wrote: reads hit Redis only for a function it has not written yet (a restart). */
  const written = new Map<string, FunctionStatus>();

  return {
    async read(key) {
      const cached = written.get(key);
      if (cached) return cached;
      const raw = await redis.hget(FUNCTION_STATUS_KEY, key);
      if (raw === null) return undefined;
      const status = decodeFunctionStatusJson(raw);
      if (status.ok) return status.value;
      // Another writer's bytes: start over from a fresh status rather than trust them.
      log.warn('function-status-unreadable', { key, error: status.error });
      return undefined;
    },

    async write(key, _desired, status) {
      if (sameStatus(written.get(key), status)) return;
      // The notice lets the gateway keep its copy current, so its fail-fast check costs no round trip.
      await redis
        .multi()
        .hset(FUNCTION_STATUS_KEY, key, JSON.stringify(status))
        .publish(channels.functionStatus, key)
        .exec();
      written.set(key, status);
    },

    refused: () => Promise.resolve(),

    async remove(key) {
      written.delete(key);
      await redis.multi().hdel(FUNCTION_STATUS_KEY, key).publish(channels.functionStatus, key).exec();
    },
  };
}
