// The one way every service connects to Redis: a single server or a Redis Cluster, as SPOOL_REDIS_URL says
// (api `parseRedisTarget`). Code that only sends commands takes `Redis`, either kind.
import { Cluster, Redis as SingleRedis, type ChainableCommander, type RedisOptions } from 'ioredis';
import { parseRedisTarget } from '@spool/api';

/** A connection to Spool's Redis: one server, or a cluster whose client routes each key to its shard. */
export type Redis = SingleRedis | Cluster;

/**
 * Connects as `options` say. For a cluster they apply to each node's connection; commands whose keys share a
 * hash tag (a function's queue keys, `{ns.name}`) go to one shard, so BullMQ's scripts work unchanged.
 */
export function connectRedis(url: string, options: RedisOptions = {}): Redis {
  const target = parseRedisTarget(url);
  if (!target.ok) throw new Error(`SPOOL_REDIS_URL ${target.error}`);
  if (target.value.kind === 'single') return new SingleRedis(url, options);
  const { seeds, tls, username, password } = target.value;
  // The offline queue is the cluster's to keep (it queues while it learns the slots); the rest applies per node.
  const { enableOfflineQueue, ...nodeOptions } = options;
  return new Cluster([...seeds], {
    redisOptions: {
      ...nodeOptions,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(tls ? { tls: {} } : {}),
    },
    ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
  });
}

/** Another connection to the same Redis, single or cluster, with `options` over the original's. */
export function duplicateRedis(redis: Redis, options: RedisOptions): Redis {
  if (!(redis instanceof Cluster)) return redis.duplicate(options);
  const { enableOfflineQueue, ...nodeOptions } = options;
  return redis.duplicate(undefined, {
    redisOptions: { ...redis.options.redisOptions, ...nodeOptions },
    ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
  });
}

/** One group of commands whose keys share a hash tag, e.g. one function's queue keys. */
export type CommandGroup = (pipeline: ChainableCommander) => void;

/**
 * Runs the groups in one round trip and answers every command's `[error, reply]` in order. A cluster refuses a
 * pipeline whose keys span shards, so there each group is its own pipeline (its keys share one slot), all sent at
 * once.
 */
export async function pipelineGroups(
  redis: Redis,
  groups: readonly CommandGroup[],
): Promise<[Error | null, unknown][]> {
  const run = async (some: readonly CommandGroup[]): Promise<[Error | null, unknown][]> => {
    const pipeline = redis.pipeline();
    for (const group of some) group(pipeline);
    return (await pipeline.exec()) ?? [];
  };
  if (!(redis instanceof Cluster)) return run(groups);
  return (await Promise.all(groups.map((group) => run([group])))).flat();
}
