// reconcile(key), for both modes: read the desired Function from the source, validate it, apply it through the
// runtime, publish it (local mode), tell the autoscaler, write status. Level-triggered: the same code runs for
// create, update, resync and delete, whichever source and runtime it is given.
import {
  formatProblems,
  functionKey,
  parseFunctionKey,
  resolveFunction,
  validateFunction,
  type FunctionRef,
  type FunctionStatus,
  type Problem,
  type ResolvedFunction,
} from '@spool/api';
import type { FunctionAccess } from '../function-access.js';
import { errorMessage, type Log } from '../log.js';
import type { PublishedRegistry } from '../registry/published-registry.js';
import { ReplicasConflictError, SpecRejectedError, type Runtime } from '../runtime/runtime.js';
import type { DesiredFunction, FunctionSource } from '../source/source.js';
import type { StatusWriter } from '../status/status-writer.js';
import { resyncAfterMs } from './resync.js';
import { functionStatus } from './status.js';
import { TerminalError, type WorkResult } from './workqueue.js';

/** What the reconciler tells the autoscaler. */
export interface ScaleTargets {
  track(fn: ResolvedFunction): void;
  forget(ref: FunctionRef): void;
  request(ref: FunctionRef, replicas: number): void;
}

export interface ReconcilerOptions {
  readonly source: FunctionSource;
  readonly runtime: Runtime;
  /** Each Function's Redis user: granted before its replicas are applied, revoked after they stopped. */
  readonly access: FunctionAccess;
  readonly status: StatusWriter;
  /** Local mode: what the gateway serves. */
  readonly registry?: PublishedRegistry | undefined;
  readonly targets: ScaleTargets;
  /** Calls waiting in a function's queue. */
  readonly queued: (ref: FunctionRef) => Promise<number>;
  /** Removes a scale request once passed on (Kubernetes: `spec.replicas`, only if it still holds `replicas`). */
  readonly consumeScaleRequest?: ((ref: FunctionRef, replicas: number) => Promise<void>) | undefined;
  /** Drops a deleted function's queue and stored state. */
  readonly forgetQueue: (ref: FunctionRef) => Promise<void>;
  readonly now: () => number;
  readonly log: Log;
}

/**
 * A foreign Deployment in a function's place is outside the controller's watch (it lists only Spool's), so its
 * removal sends no event: look again this often. 5 s keeps recovery well inside the 30 s a user waits.
 */
export const CONFLICT_RECHECK_MS = 5_000;

export function createReconciler(o: ReconcilerOptions): (key: string) => Promise<WorkResult> {
  const appliedScaleRequests = new Map<string, number>();
  /** Keys reconciled into replicas, until deleted: how many Functions share the resync budget (resyncAfterMs). */
  const served = new Set<string>();
  /** The last refusal reported per key: a runtime event or resync of the same bad spec is not reported again. */
  const refusals = new Map<string, string>();

  const status = async (
    key: string,
    desired: DesiredFunction,
    problems: readonly Problem[],
    refusal: { readonly conflict?: string; readonly rejected?: string } = {},
  ): Promise<FunctionStatus> => {
    const ref = parseFunctionKey(key);
    const [previous, deployment, queued] = await Promise.all([
      o.status.read(key, desired),
      o.runtime.observe(ref),
      problems.length > 0 ? 0 : o.queued(ref),
    ]);
    return functionStatus(
      {
        generation: desired.object.metadata.generation ?? 0,
        problems,
        conflict: refusal.conflict,
        origin: desired.origin,
        // A conflicting Deployment is not this function's replicas, whatever it reports.
        deployment: refusal.conflict === undefined ? deployment : undefined,
        queued,
        previous: previous?.conditions ?? [],
        redisIsolated: o.access.isolated,
        rejected: refusal.rejected,
      },
      o.now(),
    );
  };

  /**
   * A scale request in `spec.replicas` (the gateway's `/system/scale-function` or `kubectl scale`, through the
   * scale subresource): passed to the autoscaler once per value seen, then removed where the source can, so the
   * same count asked again later is a change again.
   */
  const passScaleRequest = async (fn: ResolvedFunction, ref: FunctionRef): Promise<void> => {
    const key = functionKey(ref);
    const requested = fn.spec.replicas;
    if (requested === undefined) {
      appliedScaleRequests.delete(key);
      return;
    }
    if (appliedScaleRequests.get(key) === requested) return;
    appliedScaleRequests.set(key, requested);
    o.targets.request(ref, requested);
    await o.consumeScaleRequest?.(ref, requested).catch((error: unknown) => {
      // Left in place, it is seen again but not acted on twice (appliedScaleRequests).
      o.log.warn('scale-request-not-removed', { key, error: errorMessage(error) });
    });
  };

  const remove = async (key: string, ref: FunctionRef): Promise<WorkResult> => {
    // The gateway stops serving first (404), then replicas drain, then the queue and status go.
    await o.registry?.withdraw(ref);
    o.targets.forget(ref);
    appliedScaleRequests.delete(key);
    refusals.delete(key);
    served.delete(key);
    await o.runtime.remove(ref);
    await o.access.revoke(ref);
    await o.forgetQueue(ref);
    await o.status.remove(key);
    return {};
  };

  /** An invalid spec is reported, never applied: whatever ran from the last valid one is left as it was. */
  const refuse = async (key: string, desired: DesiredFunction, problems: Problem[]): Promise<never> => {
    await o.status.write(key, desired, await status(key, desired, problems));
    const message = formatProblems(problems);
    if (refusals.get(key) !== message) {
      refusals.set(key, message);
      await o.status.refused(desired, message);
      o.log.warn('function-invalid', { key, origin: desired.origin, problems: message });
    }
    throw new TerminalError(`Function ${key} is invalid`);
  };

  /** Someone else's object stands where the function's replicas go: reported, left alone, checked again. */
  const conflicted = async (key: string, desired: DesiredFunction, message: string): Promise<WorkResult> => {
    const ref = parseFunctionKey(key);
    o.targets.forget(ref); // never scale what is not ours
    await o.status.write(key, desired, await status(key, desired, [], { conflict: message }));
    if (refusals.get(key) !== message) {
      refusals.set(key, message);
      await o.status.refused(desired, message, 'DeploymentConflict');
      o.log.warn('function-deployment-conflict', { key, message });
    }
    return { requeueAfterMs: CONFLICT_RECHECK_MS };
  };

  /**
   * The API server refused the Deployment: Valid=False with its message, an Event when the message changes, and no
   * retry (TerminalError) until the Function changes, which queues the key again.
   */
  const rejected = async (
    key: string,
    desired: DesiredFunction,
    error: SpecRejectedError,
  ): Promise<never> => {
    await o.status.write(key, desired, await status(key, desired, [], { rejected: error.apiMessage }));
    if (refusals.get(key) !== error.apiMessage) {
      refusals.set(key, error.apiMessage);
      await o.status.refused(desired, error.apiMessage, 'Rejected');
      o.log.warn('function-rejected', { key, message: error.apiMessage });
    }
    throw new TerminalError(`Function ${key} was refused by the API server`, { cause: error });
  };

  const applyOrConflict = async (
    key: string,
    desired: DesiredFunction,
    fn: ResolvedFunction,
  ): Promise<string | undefined> => {
    try {
      await o.runtime.apply(fn, await o.access.grant(fn));
      return undefined;
    } catch (error) {
      if (error instanceof ReplicasConflictError) return error.message;
      if (error instanceof SpecRejectedError) return rejected(key, desired, error);
      throw error;
    }
  };

  return async (key) => {
    const ref = parseFunctionKey(key);
    const desired = o.source.get(key);
    if (!desired) return remove(key, ref);
    const problems = validateFunction(desired.object);
    if (problems.length > 0) return refuse(key, desired, problems);
    const fn = resolveFunction(desired.object);
    const conflict = await applyOrConflict(key, desired, fn);
    if (conflict !== undefined) return conflicted(key, desired, conflict);
    refusals.delete(key);
    await o.registry?.serve(fn);
    o.targets.track(fn);
    await passScaleRequest(fn, ref);
    const written = await status(key, desired, []);
    await o.status.write(key, desired, written);
    served.add(key);
    return { requeueAfterMs: resyncAfterMs(written, served.size) };
  };
}
