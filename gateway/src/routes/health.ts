// `/healthz` (503 once draining, so load balancers stop sending) and `/metrics`.
import { Router } from 'express';
import type { AppDeps } from '../deps.js';

export function healthRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.status(deps.drain.draining() ? 503 : 200).json({ status: deps.drain.draining() ? 'draining' : 'ok' });
  });
  router.get('/metrics', async (_req, res) => {
    res.set('content-type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
