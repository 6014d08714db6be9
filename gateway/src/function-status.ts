// A Function's status as the controller recorded it, for /system/function/NAME: in local mode the checked JSON the
// controller's reconcile keeps in FUNCTION_STATUS_KEY; in Kubernetes mode the status subresource, already on the
// watched Function.
import type { Redis } from '@spool/node';
import {
  FUNCTION_STATUS_KEY,
  decodeFunctionStatusJson,
  functionKey,
  type FunctionRef,
  type FunctionStatus,
} from '@spool/api';
import type { Logger } from '@spool/node';
import type { FunctionRegistry } from './registry.js';

export interface FunctionStatusReader {
  read(ref: FunctionRef): Promise<FunctionStatus | undefined>;
}

export function redisStatusReader(redis: Redis, log: Logger): FunctionStatusReader {
  return {
    async read(ref) {
      const raw = await redis.hget(FUNCTION_STATUS_KEY, functionKey(ref));
      if (raw === null) return undefined;
      const status = decodeFunctionStatusJson(raw);
      if (status.ok) return status.value;
      log.warn('stored function status refused', { key: functionKey(ref), error: status.error });
      return undefined;
    },
  };
}

export const registryStatusReader = (registry: FunctionRegistry): FunctionStatusReader => ({
  read: (ref) => Promise.resolve(registry.get(ref)?.status),
});
