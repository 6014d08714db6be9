// createGateway(deps): wires invoker, registry, metrics, callbacks and the app; start() listens, close() drains.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Redis } from 'ioredis';
import {
  CALLBACK_QUEUE,
  channels,
  encodeScaleRequest,
  functionKey,
  type GatewayConfig,
  type SelfAddress,
} from '@spool/api';
import { createApp, type FunctionScaler, type Log } from './app.js';
import { createCallbackDelivery, selfAddress } from './callbacks.js';
import { createDrainState } from './drain.js';
import { droppedMessages } from './dropped.js';
import { createInvoker } from './invoker.js';
import { createGatewayMetrics, functionLabel } from './metrics.js';
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
  readonly now?: () => number;
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
    await redis.publish(channels.scaleRequest, encodeScaleRequest({ key: functionKey(ref), replicas }));
  },
});

export const jsonLog: Log = (line) =>
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);

export function createGateway(deps: GatewayDeps): Gateway {
  const { config, redis, registry } = deps;
  const log = deps.log ?? jsonLog;
  const metrics = createGatewayMetrics({
    observe: async () =>
      Promise.all(
        registry.list().map(async (fn) => {
          const ref = { namespace: fn.metadata.namespace, name: fn.metadata.name };
          const counts = await invoker.queueFor(ref).getJobCounts('waiting', 'prioritized');
          return {
            label: functionLabel(ref),
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
    now: deps.now ?? Date.now,
    onColdStart: (ref) => metrics.coldStarts.inc({ function_name: functionLabel(ref) }),
    log,
  });
  const drain = createDrainState((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  let server: Server | undefined;
  const dropCallback = droppedMessages(log, deps.now);
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
    maxAttempts: config.callbackMaxAttempts,
    onMalformed: (error) => dropCallback(CALLBACK_QUEUE, error),
  });
  const app = createApp({
    config,
    registry,
    invoker,
    scaler: deps.scaler ?? redisScaler(redis),
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
        .catch((error: unknown) =>
          log({ level: 'error', msg: 'callback delivery stopped', error: String(error) }),
        );
      server = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(config.port, config.host, () => resolve(s));
        s.once('error', reject);
      });
      server.keepAliveTimeout = 65_000;
      const { port } = server.address() as AddressInfo;
      log({
        level: 'info',
        msg: 'gateway listening',
        host: config.host,
        port,
        registry: config.registry,
        gatewayId: deps.gatewayId,
      });
      return { port };
    },
    async close() {
      const { leftInFlight } = await drain.drain(() => invoker.inFlight(), config.drainTimeoutMs);
      if (leftInFlight > 0) log({ level: 'warn', msg: 'closing with calls in flight', leftInFlight });
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server?.closeAllConnections();
      await callbacks.close();
      await invoker.close();
      await registry.close();
    },
  };
}
