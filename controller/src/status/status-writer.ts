// Where reconcile records a Function's status: the status subresource in Kubernetes mode, a Redis hash in local
// mode. Same conditions either way (reconcile/status.ts); only the store differs.
import type { FunctionStatus } from '@spool/api';
import type { DesiredFunction } from '../source/source.js';

export interface StatusWriter {
  /** The status last recorded, whose conditions keep their lastTransitionTime while they hold. */
  read(key: string, desired: DesiredFunction): Promise<FunctionStatus | undefined>;
  /** Records `status`; a status equal to the one recorded is not written again. */
  write(key: string, desired: DesiredFunction, status: FunctionStatus): Promise<void>;
  /**
   * A spec no retry can fix: Kubernetes records a Warning Event a user sees in `kubectl describe`, with the
   * condition's reason (`InvalidSpec`, `Rejected`).
   */
  refused(desired: DesiredFunction, message: string, reason?: string): Promise<void>;
  /** The function is gone: forget its status. */
  remove(key: string): Promise<void>;
}

/** Compares what status says; timestamps only move when a condition's status does. */
export const sameStatus = (a: FunctionStatus | undefined, b: FunctionStatus): boolean =>
  JSON.stringify(a) === JSON.stringify(b);
