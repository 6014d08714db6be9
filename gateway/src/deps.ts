// What the app's routes are given: config, registry, invoker, scaler, metrics, drain state and a log.
import type { FunctionRef, GatewayConfig, SelfAddress } from '@spool/api';
import type { Logger } from '@spool/node';
import type { DrainState } from './drain.js';
import type { FunctionStatusReader } from './function-status.js';
import type { Invoker } from './invoker.js';
import type { GatewayMetrics } from './metrics.js';
import type { FunctionRegistry } from './registry.js';

/** Where `/system/scale-function` requests go: the controller in local mode, the Function resource in Kubernetes. */
export interface FunctionScaler {
  requestReplicas(ref: FunctionRef, replicas: number): Promise<void>;
}

/** The shared structured logger (@spool/node), under the name the gateway's modules use. */
export type Log = Logger;

export interface AppDeps {
  readonly config: GatewayConfig;
  readonly registry: FunctionRegistry;
  readonly invoker: Invoker;
  readonly scaler: FunctionScaler;
  /** The status the controller recorded (conditions), shown by /system/function/NAME. */
  readonly statuses: FunctionStatusReader;
  readonly metrics: GatewayMetrics;
  /** Calls the gateways enqueued for a function, counted in Redis so every gateway replica reports the same. */
  readonly invocationCount: (ref: FunctionRef) => Promise<number>;
  readonly drain: DrainState;
  /** Both Redis connections up and answering; /healthz is 503 otherwise. */
  readonly redisReachable: () => boolean;
  readonly log: Log;
  /** The gateway's own listening address once it listens; callbacks to it are refused. */
  readonly selfAddress: () => SelfAddress | undefined;
}
