// Messages on the autoscaler's channels, parsed without trusting the sender.
import type { ScaleRequest } from '@spool/api';

/** A `ScaleRequest` from JSON, or undefined when it is not one (wrong shape, negative or fractional count). */
export function parseScaleRequest(json: string): ScaleRequest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    // Not JSON: the caller logs the raw message.
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { key, replicas } = value as Record<string, unknown>;
  if (typeof key !== 'string' || !key.includes('/')) return undefined;
  if (typeof replicas !== 'number' || !Number.isSafeInteger(replicas) || replicas < 0) return undefined;
  return { key, replicas };
}
