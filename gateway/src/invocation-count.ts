// A function's invocation count for /system/function(s): the call counter every gateway INCRs at enqueue
// (`callCounterKey`, also the autoscaler's activity signal), so all gateway replicas report one number.
import type { Redis } from 'ioredis';
import { callCounterKey, type FunctionRef } from '@spool/api';

/** A stored counter, untrusted: anything but a non-negative integer reads as 0. */
export function decodeCounter(raw: string | null): number {
  if (raw === null || !/^\d{1,15}$/.test(raw)) return 0;
  return Number(raw);
}

export const redisInvocationCount =
  (redis: Redis) =>
  async (ref: FunctionRef): Promise<number> =>
    decodeCounter(await redis.get(callCounterKey(ref)));
