import { expect, test } from '@jest/globals';
import { lintMetrics } from '@spool/api';
import { createControllerMetrics } from './metrics.js';

test("every controller metric passes promtool's checks", async () => {
  const metrics = createControllerMetrics();
  metrics.desiredReplicas.set({ function_name: 'echo.default' }, 2);
  metrics.scalingDecisions.inc({ reason: 'target' });
  metrics.tickDuration.observe(0.01);
  metrics.tickErrors.inc();
  expect(lintMetrics(await metrics.registry.metrics())).toEqual([]);
});
