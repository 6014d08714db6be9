// The controller's Prometheus metrics, in one registry per controller so several can live in one process (tests).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ScaleReason } from './autoscale/decide.js';

export interface ControllerMetrics {
  readonly registry: Registry;
  /** Replicas the autoscaler last asked for, per function (`name.namespace`, as OpenFaaS labels functions). */
  readonly desiredReplicas: Gauge<'function_name'>;
  /** Decisions that changed a function's replicas, by reason. */
  readonly scalingDecisions: Counter<'reason'>;
  readonly tickDuration: Histogram;
  readonly tickErrors: Counter;
}

export function createControllerMetrics(registry = new Registry()): ControllerMetrics {
  return {
    registry,
    desiredReplicas: new Gauge({
      name: 'spool_autoscaler_desired_replicas',
      help: 'Replicas the autoscaler last set for a function.',
      labelNames: ['function_name'],
      registers: [registry],
    }),
    scalingDecisions: new Counter({
      name: 'spool_autoscaler_scaling_decisions_total',
      help: 'Autoscaler decisions that changed replicas, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    tickDuration: new Histogram({
      name: 'spool_autoscaler_tick_duration_seconds',
      help: 'One function tick: observe, decide, scale, write status.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    tickErrors: new Counter({
      name: 'spool_autoscaler_tick_errors_total',
      help: 'Ticks that failed; the next tick retries.',
      registers: [registry],
    }),
  };
}

export const recordDecision = (
  metrics: ControllerMetrics,
  functionName: string,
  replicas: number,
  reason: ScaleReason,
): void => {
  metrics.desiredReplicas.set({ function_name: functionName }, replicas);
  metrics.scalingDecisions.inc({ reason });
};
