// createController(deps): publishes the local registry, applies every Function to the runtime, runs the
// autoscaler and serves /metrics and /healthz. Returns { start, close } and touches nothing before start().
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Redis } from 'ioredis';
import {
  LOCAL_FUNCTIONS_KEY,
  channels,
  functionKey,
  functionRef,
  type ControllerConfig,
  type ResolvedFunction,
} from '@spool/api';
import { createAutoscaler, type Autoscaler } from './autoscale/autoscaler.js';
import type { Clock } from './clock.js';
import { createControllerHttpServer } from './http.js';
import { errorMessage, silentLog, type Log } from './log.js';
import { createControllerMetrics, type ControllerMetrics } from './metrics.js';
import type { FunctionSource } from './registry/local-registry.js';
import type { Runtime } from './runtime/runtime.js';

export interface ControllerDeps {
  readonly config: ControllerConfig;
  /** Opens a new Redis connection; the controller opens two (commands, subscriber) and closes both. */
  readonly redis: () => Redis;
  readonly runtime: Runtime;
  readonly registry: FunctionSource;
  readonly clock: Clock;
  readonly log?: Log;
  readonly metrics?: ControllerMetrics;
}

export interface Controller {
  start(): Promise<void>;
  /** Stops the loops, then the runtime's replicas (draining), then Redis. */
  close(): Promise<void>;
  /** Where /metrics and /healthz listen, once started (`metricsPort: 0` picks a free port). */
  metricsAddress(): AddressInfo | undefined;
}

interface Running {
  readonly redis: Redis;
  readonly subscriber: Redis;
  readonly autoscaler: Autoscaler;
  readonly server: Server;
}

/** The gateway's local registry mirrors this hash (gateway `redisRegistry`). */
async function publishFunctions(redis: Redis, functions: readonly ResolvedFunction[]): Promise<void> {
  if (functions.length === 0) return;
  const tx = redis.multi();
  for (const fn of functions) tx.hset(LOCAL_FUNCTIONS_KEY, functionKey(functionRef(fn)), JSON.stringify(fn));
  for (const fn of functions) tx.publish(channels.functions, functionKey(functionRef(fn)));
  await tx.exec();
}

/**
 * Starts at the larger of `min` and what already runs: a fresh process runtime has nothing, and a restarted
 * controller must not cut replicas another instance left warm; the autoscaler takes it from there.
 */
async function applyFunction(runtime: Runtime, fn: ResolvedFunction): Promise<void> {
  const ref = functionRef(fn);
  await runtime.apply(fn);
  const { replicas } = await runtime.observeReplicas(ref);
  await runtime.scale(ref, Math.min(fn.spec.scale.max, Math.max(fn.spec.scale.min, replicas)));
}

/** Longest wait for the autoscaler's ticks and for Redis's QUIT at shutdown: a dead connection never holds it. */
const CLOSE_STEP_TIMEOUT_MS = 3_000;

/** Waits for `work` at most `ms`; false when it did not finish (or failed) in time. */
function within(work: Promise<unknown>, ms: number, clock: Clock): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = clock.setTimer(ms, () => resolve(false));
    work.then(
      () => {
        timer.cancel();
        resolve(true);
      },
      () => {
        timer.cancel();
        resolve(false);
      },
    );
  });
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export function createController(deps: ControllerDeps): Controller {
  const { config, runtime, clock } = deps;
  const log = deps.log ?? silentLog;
  const metrics = deps.metrics ?? createControllerMetrics();
  let running: Running | undefined;
  let started = false;

  async function applyAll(functions: readonly ResolvedFunction[]): Promise<ResolvedFunction[]> {
    const applied: ResolvedFunction[] = [];
    for (const fn of functions) {
      const key = functionKey(functionRef(fn));
      try {
        await applyFunction(runtime, fn);
        applied.push(fn);
      } catch (error) {
        // One function the runtime refuses must not keep the others from running.
        log('apply-failed', { key, error: errorMessage(error) });
      }
    }
    return applied;
  }

  return {
    start: async () => {
      const redis = deps.redis();
      const subscriber = deps.redis();
      const autoscaler = createAutoscaler({
        redis,
        subscriber,
        runtime,
        clock,
        log,
        metrics,
        intervalMs: config.scaleIntervalMs,
      });
      const server = createControllerHttpServer({
        registry: metrics.registry,
        isHealthy: () => started && redis.status === 'ready' && subscriber.status === 'ready',
      });
      running = { redis, subscriber, autoscaler, server };
      const functions = await deps.registry.list();
      await publishFunctions(redis, functions);
      // A Redis restarted without its data has lost the registry the gateway mirrors: publish it again.
      redis.on('ready', () => {
        publishFunctions(redis, functions).catch((error: unknown) =>
          log('publish-failed', { error: errorMessage(error) }),
        );
      });
      autoscaler.setFunctions(await applyAll(functions));
      await autoscaler.start();
      await listen(server, config.metricsHost, config.metricsPort);
      started = true;
      log('controller-started', { functions: functions.length, runtime: config.runtime });
    },

    close: async () => {
      started = false;
      if (running === undefined) {
        await runtime.close();
        return;
      }
      const { redis, subscriber, autoscaler, server } = running;
      running = undefined;
      if (!(await within(autoscaler.close(), CLOSE_STEP_TIMEOUT_MS, clock)))
        log('close-step-late', { step: 'autoscaler' });
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.close();
      // With Redis gone QUIT waits in the offline queue for ever: bounded, then the sockets are dropped.
      if (!(await within(Promise.all([redis.quit(), subscriber.quit()]), CLOSE_STEP_TIMEOUT_MS, clock)))
        log('close-step-late', { step: 'redis' });
      redis.disconnect();
      subscriber.disconnect();
    },

    metricsAddress: () => {
      const address = running?.server.address();
      return typeof address === 'object' && address !== null ? address : undefined;
    },
  };
}
