// Where replicas run. The reconciler and autoscaler speak only this interface; `process.ts` runs local
// processes, and the Kubernetes runtime maps it onto a Deployment (apply = server-side apply, scale = the
// scale subresource, observeReplicas = the Deployment's status from an informer cache).
import type { FunctionRef, ResolvedFunction } from '@spool/api';
import type { ObservedReplicas } from '../reconcile/status.js';

export interface ReplicaCounts {
  /** Replicas the runtime is set to run (not counting ones being drained). */
  readonly replicas: number;
  /** Of those, replicas that answer ready and take calls. */
  readonly readyReplicas: number;
}

/** How a function's replicas authenticate to Redis: its own ACL user (docs/security.md, "Redis isolation"). */
export interface FunctionRedisCredential {
  readonly username: string;
  /** Process runtime: put in the replica's private environment. Never logged. */
  readonly password: string;
  /** Kubernetes runtime: the Secret in the function's namespace that holds the password (api redisSecretName). */
  readonly secretName: string;
  /** A short digest of the password: a rotated credential rolls the replicas. */
  readonly digest: string;
}

/**
 * What apply found in the function's place that belongs to someone else (Kubernetes: a `fn-NAME` Deployment
 * Spool did not make). Nothing was changed; the reconciler reports it and tries again later.
 */
export class ReplicasConflictError extends Error {
  override readonly name = 'ReplicasConflictError';
}

export interface Runtime {
  /**
   * Most replicas one function may have here, whatever its `scale.max`: the process runtime runs every replica on
   * one machine, where replicas past its cores only contend (docs/benchmarks.md, "Replicas on one machine").
   * `scale.min` and an operator's scale request still hold. Undefined: `scale.max` alone.
   */
  readonly maxReplicas?: number;
  /** Starts watching what it runs (Kubernetes: the Deployment informer); resolves once its cache is listed. */
  start(): Promise<void>;
  /**
   * Creates or updates a function; a changed spec rolls its replicas (new ones first). A new function starts
   * at `scale.min` replicas; an existing one keeps its count (the autoscaler owns it). Without `credential`
   * (shared-credential mode) replicas use the runtime's configured Redis credential. Throws
   * `ReplicasConflictError`, having changed nothing, when what stands in the function's place is not its own.
   */
  apply(fn: ResolvedFunction, credential?: FunctionRedisCredential): Promise<void>;
  /** Stops every replica of a function (draining) and forgets it. */
  remove(ref: FunctionRef): Promise<void>;
  /** Sets the replica count; resolves once the change is under way, not when replicas are ready or gone. */
  scale(ref: FunctionRef, replicas: number): Promise<void>;
  /** Called every autoscaler tick for every function, so it must be cheap (a cache, or loopback probes). */
  observeReplicas(ref: FunctionRef): Promise<ReplicaCounts>;
  /** What status reports of the replicas; undefined when the runtime runs nothing for the function (yet). */
  observe(ref: FunctionRef): Promise<ObservedReplicas | undefined>;
  /** Calls `listener(namespace/name)` when a function's replicas change (started, ready, exited), so status follows. */
  watch(listener: (key: string) => void): void;
  /** Stops everything the runtime started and waits for it. */
  close(): Promise<void>;
}

/**
 * The cluster refused what `apply` sent for good (a 4xx validation error: a bad quantity the schema let
 * through). No retry can fix it until the Function changes: reconcile reports it as `Valid=False Rejected`.
 */
export class SpecRejectedError extends Error {
  override name = 'SpecRejectedError';
  constructor(
    /** The API server's own message. */
    readonly apiMessage: string,
    options?: ErrorOptions,
  ) {
    super(apiMessage, options);
  }
}
