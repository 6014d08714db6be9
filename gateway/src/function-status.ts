// A Function's status as the controller recorded it, for /system/function/NAME and the fail-fast check of every
// sync call. Local mode mirrors the checked JSON the controller's reconcile keeps in FUNCTION_STATUS_KEY: loaded
// once, then one field re-read per change notice, so reading it costs no round trip. Kubernetes mode reads the
// status subresource, already on the watched Function.
import type { Redis } from '@spool/node';
import {
  FUNCTION_STATUS_KEY,
  channels,
  decodeFunctionKey,
  decodeFunctionStatusJson,
  functionKey,
  type FunctionRef,
  type FunctionStatus,
} from '@spool/api';
import type { Logger } from '@spool/node';
import { droppedMessages } from './dropped.js';
import type { FunctionRegistry } from './registry.js';

export interface FunctionStatusReader {
  /**
   * What is known now, from memory (no round trip: every sync call asks); undefined when nothing is (not loaded
   * yet, never written, unreadable): no verdict.
   */
  read(ref: FunctionRef): FunctionStatus | undefined;
}

export interface FunctionStatusMirror extends FunctionStatusReader {
  /** Subscribes, then loads every status. */
  start(): Promise<void>;
  /** Loads every status again: after Redis was away, notices may have been missed. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

/** `subscriber` is the gateway's one subscriber connection, shared with replies and the registry. */
export function redisStatusMirror(redis: Redis, subscriber: Redis, log: Logger): FunctionStatusMirror {
  const byKey = new Map<string, FunctionStatus>();
  const drop = droppedMessages(log);
  const store = (key: string, raw: string | null): void => {
    if (raw === null) {
      byKey.delete(key);
      return;
    }
    const status = decodeFunctionStatusJson(raw);
    if (status.ok) byKey.set(key, status.value);
    else {
      // Any Redis client could have written it: no verdict rather than a forged one.
      byKey.delete(key);
      drop(FUNCTION_STATUS_KEY, `${key.slice(0, 130)}: ${status.error}`);
    }
  };
  const refresh = async (key: string): Promise<void> =>
    store(key, await redis.hget(FUNCTION_STATUS_KEY, key));
  const onMessage = (channel: string, message: string): void => {
    if (channel !== channels.functionStatus) return;
    const key = decodeFunctionKey(message);
    if (!key.ok) drop(channel, key.error);
    // Unreadable now: forget it (no verdict) rather than keep a status that may have changed.
    else void refresh(key.value).catch(() => byKey.delete(key.value));
  };
  const reload = async (): Promise<void> => {
    const all = await redis.hgetall(FUNCTION_STATUS_KEY);
    for (const key of byKey.keys()) if (!(key in all)) byKey.delete(key);
    for (const [key, raw] of Object.entries(all)) store(key, raw);
  };
  return {
    read: (ref) => byKey.get(functionKey(ref)),
    async start() {
      subscriber.on('message', onMessage);
      await subscriber.subscribe(channels.functionStatus);
      await reload();
    },
    reload,
    async close() {
      subscriber.off('message', onMessage);
      await subscriber.unsubscribe(channels.functionStatus);
    },
  };
}

export const registryStatusReader = (registry: FunctionRegistry): FunctionStatusReader => ({
  read: (ref) => registry.get(ref)?.status,
});
