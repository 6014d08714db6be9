// Which functions exist. Local mode reads the registry the controller publishes in Redis;
// Kubernetes mode (kube-registry.ts) watches Function resources.
import type { Redis } from 'ioredis';
import {
  LOCAL_FUNCTIONS_KEY,
  channels,
  functionKey,
  type FunctionRef,
  type ResolvedFunction,
} from '@spool/api';

export interface FunctionRegistry {
  get(ref: FunctionRef): ResolvedFunction | undefined;
  list(): ResolvedFunction[];
  close(): Promise<void>;
}

/** A fixed set of functions: for embedding the gateway and for tests that start their own watchdogs. */
export function staticRegistry(functions: readonly ResolvedFunction[]): FunctionRegistry {
  const byKey = new Map(
    functions.map((fn) => [functionKey({ namespace: fn.metadata.namespace, name: fn.metadata.name }), fn]),
  );
  return {
    get: (ref) => byKey.get(functionKey(ref)),
    list: () => [...byKey.values()],
    close: async () => {},
  };
}

/**
 * Mirrors LOCAL_FUNCTIONS_KEY: loads it once, then re-reads one field per change notice.
 * `subscriber` is the gateway's one subscriber connection, shared with replies.
 */
export async function redisRegistry(redis: Redis, subscriber: Redis): Promise<FunctionRegistry> {
  const byKey = new Map<string, ResolvedFunction>();
  const refresh = async (key: string): Promise<void> => {
    const json = await redis.hget(LOCAL_FUNCTIONS_KEY, key);
    if (json === null) byKey.delete(key);
    else byKey.set(key, JSON.parse(json) as ResolvedFunction);
  };
  const onMessage = (channel: string, key: string): void => {
    if (channel === channels.functions) void refresh(key).catch(() => byKey.delete(key));
  };
  subscriber.on('message', onMessage);
  await subscriber.subscribe(channels.functions);
  for (const [key, json] of Object.entries(await redis.hgetall(LOCAL_FUNCTIONS_KEY))) {
    byKey.set(key, JSON.parse(json) as ResolvedFunction);
  }
  return {
    get: (ref) => byKey.get(functionKey(ref)),
    list: () => [...byKey.values()],
    close: async () => {
      subscriber.off('message', onMessage);
      await subscriber.unsubscribe(channels.functions);
    },
  };
}
