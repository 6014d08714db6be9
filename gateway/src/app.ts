// createApp(deps): the express application, routes and error mapping; it never listens.
import express, { type Application } from 'express';
import { SpoolError } from '@spool/api';
import type { AppDeps } from './deps.js';
import { errorHandler } from './http-errors.js';
import { callRoutes } from './routes/calls.js';
import { healthRoutes } from './routes/health.js';
import { invokeRoutes } from './routes/invoke.js';
import { systemRoutes } from './routes/system.js';

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

export type { AppDeps, FunctionScaler, Log } from './deps.js';
