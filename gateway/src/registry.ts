// Which functions exist. Local mode reads the registry the controller publishes in Redis;
// Kubernetes mode (kube-registry.ts) watches Function resources.
import type { Redis } from '@spool/node';
import {
  LOCAL_FUNCTIONS_KEY,
  channels,
  decodeFunctionKey,
  decodeStoredFunction,
  functionKey,
  type FunctionRef,
  type ResolvedFunction,
} from '@spool/api';
import { silentLogger, type Logger } from '@spool/node';
import { droppedMessages } from './dropped.js';

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
 * An entry that does not decode is not served (and logged): any Redis client could have written it.
 */
export async function redisRegistry(
  redis: Redis,
  subscriber: Redis,
  log: Logger = silentLogger,
): Promise<FunctionRegistry> {
  const byKey = new Map<string, ResolvedFunction>();
  const drop = droppedMessages(log);
  const store = (key: string, json: string | null): void => {
    const fn = json === null ? undefined : decodeStoredFunction(key, json);
    if (fn?.ok) byKey.set(key, fn.value);
    else byKey.delete(key);
    if (fn?.ok === false) drop(LOCAL_FUNCTIONS_KEY, `${key.slice(0, 130)}: ${fn.error}`);
  };
  const refresh = async (key: string): Promise<void> =>
    store(key, await redis.hget(LOCAL_FUNCTIONS_KEY, key));
  const onMessage = (channel: string, message: string): void => {
    if (channel !== channels.functions) return;
    const key = decodeFunctionKey(message);
    if (key.ok) void refresh(key.value).catch(() => byKey.delete(key.value));
    else drop(channel, key.error);
  };
  subscriber.on('message', onMessage);
  await subscriber.subscribe(channels.functions);
  for (const [key, json] of Object.entries(await redis.hgetall(LOCAL_FUNCTIONS_KEY))) store(key, json);
  return {
    get: (ref) => byKey.get(functionKey(ref)),
    list: () => [...byKey.values()],
    close: async () => {
      subscriber.off('message', onMessage);
      await subscriber.unsubscribe(channels.functions);
    },
  };
}
