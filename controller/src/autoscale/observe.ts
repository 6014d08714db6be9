// Queue depth and call counter for the autoscaler: five O(1) commands per function in one pipelined round trip, no
// BullMQ objects, so a tick over 1,000 functions costs 5,000 commands (LLEN, ZCARD and GET are O(1)).
import { pipelineGroups, type Redis } from '@spool/node';
import { callCounterKey, functionKey, queueKey, type FunctionRef } from '@spool/api';

export interface QueueCounts {
  /** BullMQ `wait` plus `prioritized`: both are waiting for a worker. */
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  /**
   * Calls the gateways ever enqueued (`callCounterKey`): 0 when none was, undefined when the stored value is not a
   * count (any client of the function's keyspace can write it), which `decide` reads as "no information".
   */
  readonly calls: number | undefined;
}

const COMMANDS_PER_FUNCTION = 5;

function reply(results: [Error | null, unknown][] | null, index: number, ref: FunctionRef): unknown {
  const [error, value] = results?.[index] ?? [new Error('no reply'), 0];
  if (error) throw new Error(`reading queue counts of ${functionKey(ref)}`, { cause: error });
  return value;
}

function count(results: [Error | null, unknown][] | null, index: number, ref: FunctionRef): number {
  const value = reply(results, index, ref);
  return typeof value === 'number' ? value : 0;
}

/** The stored counter: a decimal integer written by INCR, or nothing yet. */
export function decodeCallCounter(value: unknown): number | undefined {
  if (value === null) return 0;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}

/** The counts of each function, in the order given, from one pipeline. */
export async function observeQueues(redis: Redis, refs: readonly FunctionRef[]): Promise<QueueCounts[]> {
  const results = await pipelineGroups(
    redis,
    refs.map((ref) => (pipeline) => {
      pipeline.llen(queueKey(ref, 'wait'));
      pipeline.zcard(queueKey(ref, 'prioritized'));
      pipeline.llen(queueKey(ref, 'active'));
      pipeline.zcard(queueKey(ref, 'delayed'));
      pipeline.get(callCounterKey(ref));
    }),
  );
  return refs.map((ref, i) => {
    const at = COMMANDS_PER_FUNCTION * i;
    return {
      waiting: count(results, at, ref) + count(results, at + 1, ref),
      active: count(results, at + 2, ref),
      delayed: count(results, at + 3, ref),
      calls: decodeCallCounter(reply(results, at + 4, ref)),
    };
  });
}

export async function observeQueue(redis: Redis, ref: FunctionRef): Promise<QueueCounts> {
  const [counts] = await observeQueues(redis, [ref]);
  if (counts === undefined) throw new Error(`reading queue counts of ${functionKey(ref)}: no reply`);
  return counts;
}
