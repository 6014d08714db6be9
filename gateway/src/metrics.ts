// Gateway metrics, keeping OpenFaaS's names where they exist so its dashboards and alerts work unchanged.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface GatewayMetrics {
  readonly registry: Registry;
  readonly invocations: Counter<'function_name' | 'code'>;
  readonly invocationsStarted: Counter<'function_name'>;
  readonly duration: Histogram<'function_name' | 'code'>;
  readonly coldStarts: Counter<'function_name'>;
}

export interface ScrapeSources {
  /** Per function label: replicas and queue depth, read when Prometheus scrapes. */
  readonly observe: () => Promise<{ label: string; replicas: number; queued: number }[]>;
}

export function createGatewayMetrics(sources: ScrapeSources): GatewayMetrics {
  const registry = new Registry();
  const invocations = new Counter({
    name: 'gateway_function_invocation_total',
    help: 'Calls finished, by function and HTTP status code.',
    labelNames: ['function_name', 'code'] as const,
    registers: [registry],
  });
  const invocationsStarted = new Counter({
    name: 'gateway_function_invocation_started',
    help: 'Calls accepted and enqueued.',
    labelNames: ['function_name'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'gateway_functions_seconds',
    help: 'Time from accepting a call to answering it, queue wait included.',
    labelNames: ['function_name', 'code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const coldStarts = new Counter({
    name: 'spool_function_cold_starts_total',
    help: 'Calls enqueued while the function had zero replicas (each woke the autoscaler).',
    labelNames: ['function_name'] as const,
    registers: [registry],
  });
  // One read serves both gauges of a scrape (prom-client collects them together); each gauge fills itself from it,
  // so neither shows the previous scrape's values (issue 13: gateway_service_count was one scrape stale).
  let reading: ReturnType<ScrapeSources['observe']> | undefined;
  const observeOnce = (): ReturnType<ScrapeSources['observe']> => {
    reading ??= sources.observe().finally(() => {
      reading = undefined;
    });
    return reading;
  };
  new Gauge({
    name: 'gateway_service_count',
    help: 'Replicas per function.',
    labelNames: ['function_name'] as const,
    registers: [registry],
    async collect() {
      const rows = await observeOnce();
      this.reset();
      for (const row of rows) this.set({ function_name: row.label }, row.replicas);
    },
  });
  new Gauge({
    name: 'spool_queue_depth',
    help: 'Calls waiting in each function queue.',
    labelNames: ['function_name'] as const,
    registers: [registry],
    async collect() {
      const rows = await observeOnce();
      this.reset();
      for (const row of rows) this.set({ function_name: row.label }, row.queued);
    },
  });
  // process_* and nodejs_* (CPU, memory, event loop lag, GC, handles), as docs/http-api.md promises.
  collectDefaultMetrics({ register: registry });
  return { registry, invocations, invocationsStarted, duration, coldStarts };
}
