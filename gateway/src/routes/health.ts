// `/healthz` (503 once draining or while Redis is unreachable, so load balancers stop sending) and `/metrics`.
import { Router } from 'express';
import type { AppDeps } from '../deps.js';

export function healthRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    const status = deps.drain.draining() ? 'draining' : deps.redisReachable() ? 'ok' : 'redis-unreachable';
    res.status(status === 'ok' ? 200 : 503).json({ status });
  });
  router.get('/metrics', async (_req, res) => {
    res.set('content-type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
