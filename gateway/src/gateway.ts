// createGateway(deps): wires invoker, registry, metrics, callbacks and the app; start() listens, close() drains.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Redis } from 'ioredis';
import {
  CALLBACK_QUEUE,
  channels,
  decodeFunctionKey,
  encodeScaleRequest,
  functionKey,
  metricFunctionName,
  parseFunctionKey,
  type Clock,
  type GatewayConfig,
  type SelfAddress,
} from '@spool/api';
import { createLogger, systemClock, withDeadline } from '@spool/node';
import { createApp, type FunctionScaler, type Log } from './app.js';
import { createCallbackDelivery, selfAddress } from './callbacks.js';
import { createDrainState } from './drain.js';
import { droppedMessages } from './dropped.js';
import { redisStatusReader, registryStatusReader, type FunctionStatusReader } from './function-status.js';
import { redisInvocationCount } from './invocation-count.js';
import { createInvoker } from './invoker.js';
import { createGatewayMetrics } from './metrics.js';
import type { FunctionRegistry } from './registry.js';
import { createRedisWatch } from './redis-watch.js';

export interface GatewayDeps {
  readonly config: GatewayConfig;
  /**
   * Commands and queue writes, shared by every function. Give it `connectionOptions` (main.ts does): with an
   * offline queue a call made while Redis is away would be sent, and run, after the caller was refused.
   */
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
    await redis.publish(channels.scaleRequest, encodeScaleRequest({ key: functionKey(ref), replicas }));
  },
});

/**
 * ioredis options of the command connection: a command fails at once while disconnected (no offline queue), and
 * one in flight when the connection drops fails with it rather than being sent again after the reconnect.
 */
export const commandConnectionOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
} as const;

/** Longest wait for each Redis-facing part (callbacks worker, registry, connections) to close at shutdown. */
const CLOSE_STEP_TIMEOUT_MS = 2_000;
/** Redis probes: how often, how long one may take, and how long an outage lasts before waiting calls get 503. */
const PROBE_INTERVAL_MS = 500;
const PROBE_TIMEOUT_MS = 1_000;
const LOST_AFTER_MS = 1_000;

/** Resolves true when `work` finished within CLOSE_STEP_TIMEOUT_MS; logs and resolves false otherwise. */
const closeWithin = (what: string, work: () => Promise<unknown>, log: Log): Promise<boolean> =>
  withDeadline(work(), CLOSE_STEP_TIMEOUT_MS, what).then(
    () => true,
    (error: unknown) => {
      log.warn(`${what} did not finish; going on`, { error: String(error) });
      return false;
    },
  );

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
    enqueueTimeoutMs: config.enqueueTimeoutMs,
    now: () => clock.now(),
    onColdStart: (ref) => metrics.coldStarts.inc({ function_name: metricFunctionName(ref) }),
    isServed: (key) => {
      // Checked first: parseFunctionKey throws on what is not a namespace/name key.
      return decodeFunctionKey(key).ok && registry.get(parseFunctionKey(key)) !== undefined;
    },
    log,
  });
  const drain = createDrainState((ms) => clock.sleep(ms));
  const watch = createRedisWatch({
    redis,
    subscriber: deps.subscriber,
    intervalMs: PROBE_INTERVAL_MS,
    probeTimeoutMs: PROBE_TIMEOUT_MS,
    lostAfterMs: LOST_AFTER_MS,
    now: () => clock.now(),
    onLost: () => {
      const abandoned = invoker.abandonWaiting();
      log.warn('Redis unreachable; answered waiting calls 503', { abandoned });
    },
    onBack: () => {
      log.info('Redis reachable again');
      void invoker.withdrawRefused();
    },
  });
  // Its own connection with an offline queue: BullMQ's worker blocks on it and must wait through an outage.
  const callbackRedis = redis.duplicate({
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    autoResendUnfulfilledCommands: true,
  });
  // The command connection's listener (main.ts) already logs each failed reconnect to the same Redis.
  callbackRedis.on('error', () => undefined);
  let server: Server | undefined;
  const dropCallback = droppedMessages(log, () => clock.now());
  const self = (): SelfAddress | undefined => {
    const address = server?.address();
    return address && typeof address === 'object' ? selfAddress(address.port) : undefined;
  };
  const callbacks = createCallbackDelivery({
    redis: callbackRedis,
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
    statuses:
      deps.statuses ??
      (config.registry === 'kubernetes' ? registryStatusReader(registry) : redisStatusReader(redis, log)),
    metrics,
    invocationCount: redisInvocationCount(redis),
    drain,
    redisReachable: () => watch.reachable(),
    log,
    selfAddress: self,
  });

  return {
    async start() {
      await invoker.start();
      watch.start();
      void callbacks
        .run()
        .catch((error: unknown) => log.error('callback delivery stopped', { error: String(error) }));
      server = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(config.port, config.host, () => resolve(s));
        s.once('error', reject);
      });
      server.keepAliveTimeout = 65_000;
      const { port } = server.address() as AddressInfo;
      log.info('gateway listening', {
        host: config.host,
        port,
        registry: config.registry,
        gatewayId: deps.gatewayId,
      });
      return { port };
    },
    async close() {
      const { leftInFlight } = await drain.drain(() => invoker.inFlight(), config.drainTimeoutMs);
      if (leftInFlight > 0) log.warn('closing with calls in flight', { leftInFlight });
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server?.closeAllConnections();
      watch.close();
      // Given up on: drop the worker's own blocking connection too, or it keeps reconnecting to a dead Redis.
      // Not awaited: BullMQ's disconnect waits for a connection that may never become ready.
      if (!(await closeWithin('closing the callback worker', () => callbacks.close(), log)))
        void callbacks.disconnect().catch(() => undefined);
      callbackRedis.disconnect();
      await invoker.close();
      await closeWithin('closing the registry', () => registry.close(), log);
    },
  };
}
