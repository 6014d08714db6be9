import { expect, test } from '@jest/globals';
import { lintMetrics } from '@spool/api';
import { createMetrics } from './metrics.js';

test("every watchdog metric passes promtool's checks", async () => {
  const metrics = createMetrics({ namespace: 'default', name: 'echo' });
  metrics.calls.inc({ code: '200', method: 'POST' });
  metrics.callDuration.observe({ code: '200', method: 'POST' }, 0.1);
  metrics.queueWait.observe(0.01);
  metrics.restarts.inc({ reason: 'crash' });
  metrics.timeouts.inc();
  metrics.expiredSkipped.inc();
  metrics.asyncInvocations.inc({ code: '200' });
  metrics.asyncDuration.observe({ code: '200' }, 0.2);
  expect(lintMetrics(await metrics.registry.metrics())).toEqual([]);
});
