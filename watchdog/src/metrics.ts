// The watchdog's Prometheus registry; call metrics keep of-watchdog's names so OpenFaaS dashboards work as they are.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { MISNAMED_DEFAULT_METRICS, metricFunctionName, type FunctionRef } from '@spool/api';

export interface WatchdogMetrics {
  readonly registry: Registry;
  readonly calls: Counter<'code' | 'method'>;
  readonly callDuration: Histogram<'code' | 'method'>;
  readonly inFlight: Gauge;
  readonly queueWait: Histogram;
  readonly restarts: Counter<'reason'>;
  readonly timeouts: Counter;
  readonly expiredSkipped: Counter;
  /** OpenFaaS's gateway call metrics for async calls, counted once each where its final result is recorded. */
  readonly asyncInvocations: Counter<'code'>;
  readonly asyncDuration: Histogram<'code'>;
}

/** One registry per watchdog, so that several in one process (tests) never share series. */
export function createMetrics(ref: FunctionRef): WatchdogMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ function_name: metricFunctionName(ref) });
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULT_METRICS) registry.removeSingleMetric(name);
  const registers = [registry];
  return {
    registry,
    calls: new Counter({
      name: 'http_requests_total',
      help: 'Calls answered, by HTTP status code and method.',
      labelNames: ['code', 'method'],
      registers,
    }),
    callDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from taking a call off the queue to its result.',
      labelNames: ['code', 'method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    inFlight: new Gauge({ name: 'http_requests_in_flight', help: 'Calls being run now.', registers }),
    queueWait: new Histogram({
      name: 'spool_watchdog_queue_wait_seconds',
      help: 'Time a call waited in the queue before this replica took it.',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60],
      registers,
    }),
    restarts: new Counter({
      name: 'spool_watchdog_user_process_restarts_total',
      help: 'Restarts of the user process, by reason: crash, timeout or start-timeout.',
      labelNames: ['reason'],
      registers,
    }),
    timeouts: new Counter({
      name: 'spool_watchdog_call_timeouts_total',
      help: 'Calls that ran past timeoutSeconds and had their process group killed.',
      registers,
    }),
    expiredSkipped: new Counter({
      name: 'spool_watchdog_expired_calls_skipped_total',
      help: 'Sync calls taken off the queue after their caller had been answered 504, so not run.',
      registers,
    }),
    // The gateway answers an async call 202 before it runs, and any replica may finish it, so the call is counted
    // here, once, when its last attempt ends: summed by function_name these join the gateway's sync series.
    asyncInvocations: new Counter({
      name: 'gateway_function_invocation_total',
      help: 'Async calls finished (after their last attempt), by HTTP status code.',
      labelNames: ['code'],
      registers,
    }),
    asyncDuration: new Histogram({
      name: 'gateway_functions_seconds',
      help: 'Time from accepting an async call to its final result, queue wait and retries included.',
      labelNames: ['code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
  };
}
