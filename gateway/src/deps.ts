// What the app's routes are given: config, registry, invoker, scaler, metrics, drain state and a log.
import type { FunctionRef, GatewayConfig, SelfAddress } from '@spool/api';
import type { DrainState } from './drain.js';
import type { Invoker } from './invoker.js';
import type { GatewayMetrics } from './metrics.js';
import type { FunctionRegistry } from './registry.js';

/** Where `/system/scale-function` requests go: the controller in local mode, the Function resource in Kubernetes. */
export interface FunctionScaler {
  requestReplicas(ref: FunctionRef, replicas: number): Promise<void>;
}

export type Log = (line: Record<string, unknown>) => void;

export interface AppDeps {
  readonly config: GatewayConfig;
  readonly registry: FunctionRegistry;
  readonly invoker: Invoker;
  readonly scaler: FunctionScaler;
  readonly metrics: GatewayMetrics;
  readonly drain: DrainState;
  readonly log: Log;
  /** The gateway's own listening address once it listens; callbacks to it are refused. */
  readonly selfAddress: () => SelfAddress | undefined;
}
