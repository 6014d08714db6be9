// A Function's status as the controller recorded it, for /system/function/NAME: in local mode the checked JSON the
// controller's reconcile keeps in FUNCTION_STATUS_KEY; in Kubernetes mode the status subresource, already on the
// watched Function.
import type { Redis } from 'ioredis';
import {
  FUNCTION_STATUS_KEY,
  decodeFunctionStatusJson,
  functionKey,
  type FunctionRef,
  type FunctionStatus,
} from '@spool/api';
import type { FunctionRegistry } from './registry.js';

export interface FunctionStatusReader {
  read(ref: FunctionRef): Promise<FunctionStatus | undefined>;
}

/** Logs a refused entry; the gateway's `Log` shape (deps.ts imports this module). */
type Log = (line: Record<string, unknown>) => void;

export function redisStatusReader(redis: Redis, log: Log): FunctionStatusReader {
  return {
    async read(ref) {
      const raw = await redis.hget(FUNCTION_STATUS_KEY, functionKey(ref));
      if (raw === null) return undefined;
      const status = decodeFunctionStatusJson(raw);
      if (status.ok) return status.value;
      log({
        level: 'warn',
        msg: 'stored function status refused',
        key: functionKey(ref),
        error: status.error,
      });
      return undefined;
    },
  };
}

export const registryStatusReader = (registry: FunctionRegistry): FunctionStatusReader => ({
  read: (ref) => Promise.resolve(registry.get(ref)?.status),
});
