// Local mode's registry, as the gateway reads it (gateway `redisRegistry`): each served function's resolved spec in
// LOCAL_FUNCTIONS_KEY, and its key on the functions channel whenever that entry changes. Written by reconcile.
import type { Redis } from '@spool/node';
import {
  LOCAL_FUNCTIONS_KEY,
  channels,
  functionKey,
  functionRef,
  type FunctionRef,
  type ResolvedFunction,
} from '@spool/api';

/** What the gateway serves; Kubernetes mode has none (its gateway watches Functions itself). */
export interface PublishedRegistry {
  serve(fn: ResolvedFunction): Promise<void>;
  withdraw(ref: FunctionRef): Promise<void>;
  /** Forgets what was written, so the next serve writes again: Redis may have come back without its data. */
  forgetPublished(): void;
}

export function createPublishedRegistry(redis: Redis): PublishedRegistry {
  /** Entries this controller wrote, so an unchanged resync writes and notifies nothing. */
  const published = new Map<string, string>();
  return {
    async serve(fn) {
      const key = functionKey(functionRef(fn));
      const json = JSON.stringify(fn);
      if (published.get(key) === json) return;
      await redis.multi().hset(LOCAL_FUNCTIONS_KEY, key, json).publish(channels.functions, key).exec();
      published.set(key, json);
    },
    async withdraw(ref) {
      const key = functionKey(ref);
      published.delete(key);
      await redis.multi().hdel(LOCAL_FUNCTIONS_KEY, key).publish(channels.functions, key).exec();
    },
    forgetPublished: () => published.clear(),
  };
}
