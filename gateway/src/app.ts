// createApp(deps): the express application, routes and error mapping; it never listens.
import express, { type Application } from 'express';
import { SpoolError, type FunctionRef, type GatewayConfig } from '@spool/api';
import type { DrainState } from './drain.js';
import { errorHandler } from './http-errors.js';
import type { Invoker } from './invoker.js';
import type { GatewayMetrics } from './metrics.js';
import type { FunctionRegistry } from './registry.js';
import { callRoutes } from './routes/calls.js';
import { healthRoutes } from './routes/health.js';
import { invokeRoutes } from './routes/invoke.js';
import { systemRoutes } from './routes/system.js';

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
}

export function createApp(deps: AppDeps): Application {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(healthRoutes(deps));
  app.use(invokeRoutes(deps));
  app.use(callRoutes(deps));
  app.use(systemRoutes(deps));
  app.use(() => {
    throw new SpoolError('ROUTE_NOT_FOUND', 'no such route; see docs/http-api.md');
  });
  app.use(errorHandler(deps.log));
  return app;
}
