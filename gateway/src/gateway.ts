// createGateway(deps): wires invoker, registry, metrics, callbacks and the app; start() listens, close() drains.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Redis } from 'ioredis';
import {
  channels,
  functionKey,
  metricFunctionName,
  type Clock,
  type GatewayConfig,
  type SelfAddress,
} from '@spool/api';
import { createLogger, systemClock } from '@spool/node';
import { createApp, type FunctionScaler, type Log } from './app.js';
import { createCallbackDelivery, selfAddress } from './callbacks.js';
import { createDrainState } from './drain.js';
import { redisStatusReader, registryStatusReader, type FunctionStatusReader } from './function-status.js';
import { createInvoker } from './invoker.js';
import { createGatewayMetrics } from './metrics.js';
import type { FunctionRegistry } from './registry.js';

export interface GatewayDeps {
  readonly config: GatewayConfig;
  /** Commands and queue writes, shared by every function. */
  readonly redis: Redis;
  /** The one subscriber connection (replies, scale notices, registry changes). */
  readonly subscriber: Redis;
  readonly registry: FunctionRegistry;
  /** Identifies this replica's reply channel; unique per process. */
  readonly gatewayId: string;
  readonly scaler?: FunctionScaler;
  /** Time for the invoker's stamps and the drain's waits; the system clock unless a test steps it. */
  readonly clock?: Clock;
  /** Where /system reads status; by default the registry's objects (Kubernetes) or the controller's hash (local). */
  readonly statuses?: FunctionStatusReader;
  readonly log?: Log;
}

export interface Gateway {
  start(): Promise<{ port: number }>;
  /** Drains (unready → 503 → wait for replies in flight, bounded) and closes; Redis clients stay the caller's. */
  close(): Promise<void>;
}

/** Local mode: scale requests go to the controller over Redis. */
export const redisScaler = (redis: Redis): FunctionScaler => ({
  requestReplicas: async (ref, replicas) => {
    await redis.publish(channels.scaleRequest, JSON.stringify({ key: functionKey(ref), replicas }));
  },
});

export function createGateway(deps: GatewayDeps): Gateway {
  const { config, redis, registry } = deps;
  const log = deps.log ?? createLogger({ component: 'gateway' });
  const clock = deps.clock ?? systemClock;
  const metrics = createGatewayMetrics({
    observe: async () =>
      Promise.all(
        registry.list().map(async (fn) => {
          const ref = { namespace: fn.metadata.namespace, name: fn.metadata.name };
          const counts = await invoker.queueFor(ref).getJobCounts('waiting', 'prioritized');
          return {
            label: metricFunctionName(ref),
            replicas: invoker.replicasOf(ref)?.replicas ?? 0,
            queued: (counts['waiting'] ?? 0) + (counts['prioritized'] ?? 0),
          };
        }),
      ),
  });
  const invoker = createInvoker({
    redis,
    subscriber: deps.subscriber,
    gatewayId: deps.gatewayId,
    queueWaitMs: config.queueWaitMs,
    recoveryMarginMs: config.recoveryMarginMs,
    now: () => clock.now(),
    onColdStart: (ref) => metrics.coldStarts.inc({ function_name: metricFunctionName(ref) }),
  });
  const drain = createDrainState((ms) => clock.sleep(ms));
  let server: Server | undefined;
  const self = (): SelfAddress | undefined => {
    const address = server?.address();
    return address && typeof address === 'object' ? selfAddress(address.port) : undefined;
  };
  const callbacks = createCallbackDelivery({
    redis,
    timeoutMs: config.callbackTimeoutMs,
    policy: config.callbackAllow,
    concurrency: config.callbackConcurrency,
    perDestination: config.callbackPerDestination,
    self,
    log,
  });
  const app = createApp({
    config,
    registry,
    invoker,
    scaler: deps.scaler ?? redisScaler(redis),
    statuses:
      deps.statuses ??
      (config.registry === 'kubernetes' ? registryStatusReader(registry) : redisStatusReader(redis, log)),
    metrics,
    drain,
    log,
    selfAddress: self,
  });

  return {
    async start() {
      await invoker.start();
      void callbacks
        .run()
        .catch((error: unknown) => log.error('callback delivery stopped', { error: String(error) }));
      server = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(config.port, config.host, () => resolve(s));
        s.once('error', reject);
      });
      server.keepAliveTimeout = 65_000;
      const { port } = server.address() as AddressInfo;
      log.info('gateway listening', { host: config.host, port, registry: config.registry });
      return { port };
    },
    async close() {
      const { leftInFlight } = await drain.drain(() => invoker.inFlight(), config.drainTimeoutMs);
      if (leftInFlight > 0) log.warn('closing with calls in flight', { leftInFlight });
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server?.closeAllConnections();
      await callbacks.close();
      await invoker.close();
      await registry.close();
    },
  };
}
