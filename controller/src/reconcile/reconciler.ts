// reconcile(key), for both modes: read the desired Function from the source, validate it, apply it through the
// runtime, publish it (local mode), tell the autoscaler, write status. Level-triggered: the same code runs for
// create, update, resync and delete, whichever source and runtime it is given.
import {
  SCALE_REQUEST_ANNOTATION,
  decodeScaleAnnotation,
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
import type { Log } from '../log.js';
import type { PublishedRegistry } from '../registry/published-registry.js';
import type { Runtime } from '../runtime/runtime.js';
import type { DesiredFunction, FunctionSource } from '../source/source.js';
import type { StatusWriter } from '../status/status-writer.js';
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
  /** Drops a deleted function's queue and stored state. */
  readonly forgetQueue: (ref: FunctionRef) => Promise<void>;
  readonly now: () => number;
  readonly log: Log;
}

/** Status counts (queued, ready) drift without any event; refresh them this often. */
export const STATUS_RESYNC_MS = 10_000;

export function createReconciler(o: ReconcilerOptions): (key: string) => Promise<WorkResult> {
  const appliedScaleRequests = new Map<string, number>();
  /** The last refusal reported per key: a runtime event or resync of the same bad spec is not reported again. */
  const refusals = new Map<string, string>();

  const status = async (
    key: string,
    desired: DesiredFunction,
    problems: readonly Problem[],
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
        origin: desired.origin,
        deployment,
        queued,
        previous: previous?.conditions ?? [],
        redisIsolated: o.access.isolated,
      },
      o.now(),
    );
  };

  /** The gateway's `/system/scale-function` in Kubernetes mode: an annotation, acted on once per `at`. */
  const passScaleRequest = (desired: DesiredFunction, ref: FunctionRef): void => {
    const raw = desired.object.metadata.annotations?.[SCALE_REQUEST_ANNOTATION];
    if (!raw) return;
    const key = functionKey(ref);
    const request = decodeScaleAnnotation(raw);
    if (!request.ok) {
      if (appliedScaleRequests.get(key) !== -1)
        o.log.warn('scale-request-ignored', { key, error: request.error });
      appliedScaleRequests.set(key, -1); // logged once until the annotation changes
      return;
    }
    if ((appliedScaleRequests.get(key) ?? 0) >= request.value.at) return;
    appliedScaleRequests.set(key, request.value.at);
    o.targets.request(ref, request.value.replicas);
  };

  const remove = async (key: string, ref: FunctionRef): Promise<WorkResult> => {
    // The gateway stops serving first (404), then replicas drain, then the queue and status go.
    await o.registry?.withdraw(ref);
    o.targets.forget(ref);
    appliedScaleRequests.delete(key);
    refusals.delete(key);
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

  return async (key) => {
    const ref = parseFunctionKey(key);
    const desired = o.source.get(key);
    if (!desired) return remove(key, ref);
    const problems = validateFunction(desired.object);
    if (problems.length > 0) return refuse(key, desired, problems);
    refusals.delete(key);
    const fn = resolveFunction(desired.object);
    await o.runtime.apply(fn, await o.access.grant(fn));
    await o.registry?.serve(fn);
    o.targets.track(fn);
    passScaleRequest(desired, ref);
    await o.status.write(key, desired, await status(key, desired, []));
    return { requeueAfterMs: STATUS_RESYNC_MS };
  };
}
