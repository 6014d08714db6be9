// Queue depth for the autoscaler: four counters per function in one pipelined round trip, no BullMQ objects,
// so a tick over 1,000 functions costs 4,000 O(1) commands (LLEN and ZCARD are O(1)).
import type { Redis } from 'ioredis';
import { functionKey, queueKey, type FunctionRef } from '@spool/api';

export interface QueueCounts {
  /** BullMQ `wait` plus `prioritized`: both are waiting for a worker. */
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
}

function count(results: [Error | null, unknown][] | null, index: number, ref: FunctionRef): number {
  const [error, value] = results?.[index] ?? [new Error('no reply'), 0];
  if (error) throw new Error(`reading queue counts of ${functionKey(ref)}`, { cause: error });
  return typeof value === 'number' ? value : 0;
}

/** The counts of each function, in the order given, from one pipeline. */
export async function observeQueues(redis: Redis, refs: readonly FunctionRef[]): Promise<QueueCounts[]> {
  const pipeline = redis.pipeline();
  for (const ref of refs) {
    pipeline.llen(queueKey(ref, 'wait'));
    pipeline.zcard(queueKey(ref, 'prioritized'));
    pipeline.llen(queueKey(ref, 'active'));
    pipeline.zcard(queueKey(ref, 'delayed'));
  }
  const results = await pipeline.exec();
  return refs.map((ref, i) => ({
    waiting: count(results, 4 * i, ref) + count(results, 4 * i + 1, ref),
    active: count(results, 4 * i + 2, ref),
    delayed: count(results, 4 * i + 3, ref),
  }));
}

export async function observeQueue(redis: Redis, ref: FunctionRef): Promise<QueueCounts> {
  const [counts] = await observeQueues(redis, [ref]);
  if (counts === undefined) throw new Error(`reading queue counts of ${functionKey(ref)}: no reply`);
  return counts;
}
