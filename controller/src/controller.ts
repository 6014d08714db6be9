// createController(deps): the one control loop of both modes (style rule 18). A source's keys feed one
// de-duplicating work queue; reconcile(key) applies each Function through the runtime and writes its status;
// the autoscaler sits beside it. Only the leader acts. Returns { start, close } and touches nothing before start().
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Queue } from 'bullmq';
import type { Redis } from '@spool/node';
import {
  FUNCTION_QUEUE_OPTIONS,
  REPLICA_STATUS_KEY,
  callCounterKey,
  functionKey,
  parseFunctionKey,
  queueName,
  type ControllerConfig,
  type FunctionRef,
} from '@spool/api';
import { whenReady, withDeadline } from '@spool/node';
import { createAutoscaler, type Autoscaler } from './autoscale/autoscaler.js';
import { observeQueue } from './autoscale/observe.js';
import type { Clock } from './clock.js';
import { redisUserAccess, sharedCredentialAccess, type FunctionAccess } from './function-access.js';
import { createOutboxMover, type OutboxMover } from './outbox-mover.js';
import type { CredentialStore } from './redis-credentials.js';
import { createControllerHttpServer } from './http.js';
import { alwaysLeader, type Elector } from './leader/elector.js';
import { errorMessage, silentLog, type Log } from './log.js';
import { createControllerMetrics, type ControllerMetrics } from './metrics.js';
import { createReconciler, type ScaleTargets } from './reconcile/reconciler.js';
import { createWorkQueue, type WorkQueue } from './reconcile/workqueue.js';
import type { PublishedRegistry } from './registry/published-registry.js';
import type { Runtime } from './runtime/runtime.js';
import type { FunctionSource } from './source/source.js';
import type { StatusWriter } from './status/status-writer.js';

export interface ControllerDeps {
  readonly config: Pick<ControllerConfig, 'scaleIntervalMs' | 'metricsHost' | 'metricsPort'>;
  /** Opens a new Redis connection; the controller opens two (commands, subscriber) and closes both. */
  readonly redis: () => Redis;
  readonly source: FunctionSource;
  readonly runtime: Runtime;
  readonly status: StatusWriter;
  /** Kubernetes mode: removes a scale request from `spec.replicas` once the autoscaler has it. */
  readonly consumeScaleRequest?: (ref: FunctionRef, replicas: number) => Promise<void>;
  /** Local mode: the registry the gateway serves from. Kubernetes mode has none. */
  readonly registry?: PublishedRegistry;
  /** Who may act; alone (local mode) when unset. */
  readonly elector?: Elector;
  /** Called after the controller stopped acting on a lost lead (main.ts exits). */
  readonly onLostLeadership?: () => void;
  readonly clock: Clock;
  readonly log?: Log;
  readonly metrics?: ControllerMetrics;
  /** Keys reconciled in parallel; one key is never worked twice at once. */
  readonly workers?: number;
  /** /healthz also requires Redis (local mode); Kubernetes mode answers healthy while it waits. */
  readonly healthRequiresRedis?: boolean;
  /**
   * Where each Function's Redis password is kept: with one, every Function gets a Redis ACL user of its own
   * (docs/security.md, "Redis isolation"); without one (SPOOL_REDIS_ACL=off), replicas share the runtime's
   * credential and every status says so.
   */
  readonly credentials?: CredentialStore | undefined;
}

export interface Controller {
  /** Resolves once the source is listed and, when leading from the start (local mode), every function reconciled once. */
  start(): Promise<void>;
  /** Stops the loops, hands the lead over, stops the runtime's replicas (draining), then Redis. */
  close(): Promise<void>;
  isLeader(): boolean;
  /** Where /metrics and /healthz listen, once started (`metricsPort: 0` picks a free port). */
  metricsAddress(): AddressInfo | undefined;
}

/** Longest wait for each shutdown step but the runtime's drain, which its own kill timers bound. */
const CLOSE_STEP_TIMEOUT_MS = 5_000;

async function forgetQueue(redis: Redis, ref: FunctionRef): Promise<void> {
  const queue = new Queue(queueName(ref), { ...FUNCTION_QUEUE_OPTIONS, connection: redis });
  // A Queue emits 'error' when its connection closes under it (Redis lost, or shutdown mid-delete); obliterate's
  // own promise carries the failure, and an emitter with no listener would throw it out of the process.
  queue.on('error', () => undefined);
  try {
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
  }
  await redis.hdel(REPLICA_STATUS_KEY, functionKey(ref));
  await redis.del(callCounterKey(ref));
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

interface Running {
  readonly redis: Redis;
  readonly subscriber: Redis;
  readonly autoscaler: Autoscaler;
  readonly server: Server;
  /** Made once per connection: it remembers, on that connection, which function users it applied. */
  readonly access: FunctionAccess;
}

export function createController(deps: ControllerDeps): Controller {
  const { config, source, runtime, clock } = deps;
  const log = deps.log ?? silentLog;
  const metrics = deps.metrics ?? createControllerMetrics();
  const elector = deps.elector ?? alwaysLeader();
  let running: Running | undefined;
  let queue: WorkQueue | undefined;
  let outbox: OutboxMover | undefined;
  let started = false;
  let closing = false;

  const targetsOf = (autoscaler: Autoscaler): ScaleTargets => ({
    track: (fn) => autoscaler.track(fn),
    forget: (ref) => autoscaler.forget(functionKey(ref)),
    // In-process: the annotation's request goes straight to this autoscaler, not around through Redis.
    request: (ref, replicas) => autoscaler.request(functionKey(ref), replicas),
  });

  /** Starts acting: the autoscaler, then a queue seeded with every key the source has. Resolves once each was worked. */
  const lead = async ({ redis, subscriber, autoscaler, access }: Running): Promise<void> => {
    const existing = source.keys().map(parseFunctionKey);
    // Users of Functions deleted while no controller ran; a failure is retried at the next start, not fatal.
    await access.revokeStale(existing).then(
      (stale) => stale.length > 0 && log.info('redis-users-removed', { functions: stale.map(functionKey) }),
      (error: unknown) => log.warn('redis-users-resync-failed', { error: errorMessage(error) }),
    );
    const reconcile = createReconciler({
      source,
      runtime,
      access,
      status: deps.status,
      registry: deps.registry,
      consumeScaleRequest: deps.consumeScaleRequest,
      targets: targetsOf(autoscaler),
      queued: async (ref) => (await observeQueue(redis, ref)).waiting,
      forgetQueue: (ref) => forgetQueue(redis, ref),
      now: () => clock.now(),
      log,
    });
    const initial = new Set(source.keys());
    let seeded = (): void => undefined;
    const allSeeded = new Promise<void>((resolve) => (seeded = resolve));
    if (initial.size === 0) seeded();
    queue = createWorkQueue({
      work: (key) =>
        reconcile(key).finally(() => {
          if (initial.delete(key) && initial.size === 0) seeded();
        }),
      concurrency: deps.workers ?? 8,
      clock,
      onError: (key, error, retryInMs) =>
        log.error('reconcile-failed', { key, error: errorMessage(error), retryInMs }),
    });
    await autoscaler.start();
    outbox = createOutboxMover({
      redis,
      subscriber,
      functions: () => source.keys().map(parseFunctionKey),
      clock,
      log,
    });
    await outbox.start();
    for (const key of initial) queue.add(key);
    await allSeeded;
  };

  const stopActing = async (): Promise<void> => {
    queue?.close();
    queue = undefined;
    await outbox?.close();
    outbox = undefined;
    await running?.autoscaler.close();
  };

  return {
    async start() {
      const redis = deps.redis();
      const subscriber = deps.redis();
      // Before the autoscaler's first SUBSCRIBE (@spool/node whenReady); a Redis still down is waited for.
      await Promise.all([whenReady(redis), whenReady(subscriber)]);
      const autoscaler = createAutoscaler({
        redis,
        subscriber,
        runtime,
        clock,
        log,
        metrics,
        intervalMs: config.scaleIntervalMs,
      });
      const requiresRedis = deps.healthRequiresRedis ?? true;
      const server = createControllerHttpServer({
        registry: metrics.registry,
        isHealthy: () =>
          started && (!requiresRedis || (redis.status === 'ready' && subscriber.status === 'ready')),
      });
      const access = deps.credentials ? redisUserAccess(redis, deps.credentials) : sharedCredentialAccess;
      const state: Running = { redis, subscriber, autoscaler, server, access };
      running = state;
      runtime.watch((key) => queue?.add(key));
      await runtime.start();
      await source.start((key) => queue?.add(key));
      // A Redis restarted without its data has lost what reconcile wrote (the registry the gateway mirrors, status):
      // on every reconnect each function is reconciled again, level-triggered, and the registry written afresh.
      redis.on('ready', () => {
        deps.registry?.forgetPublished();
        for (const key of source.keys()) queue?.add(key);
      });
      await listen(server, config.metricsHost, config.metricsPort);
      let leading: Promise<void> = Promise.resolve();
      elector.start({
        onStartedLeading: () => {
          leading = lead(state);
          // Leading from the start (local mode), start() rejects with it; later (a Lease won), it is logged.
          leading.catch((error: unknown) => log.error('lead-failed', { error: errorMessage(error) }));
        },
        onStoppedLeading: () => {
          // Another replica may act already: stop queueing work now, and let the caller stop the process.
          log.warn('stopped-acting', { reason: 'lost the lead' });
          void stopActing();
          deps.onLostLeadership?.();
        },
      });
      await leading;
      started = true;
      log.info('controller-started', { functions: source.keys().length, leading: elector.isLeader() });
    },

    async close() {
      if (closing) return;
      closing = true;
      started = false;
      // Bounded: with Redis or the API server gone, a tick or a lease release would otherwise wait forever.
      const within = (work: Promise<unknown> | undefined): Promise<unknown> =>
        withDeadline(Promise.resolve(work), CLOSE_STEP_TIMEOUT_MS, 'a shutdown step', clock).catch(
          (error: unknown) => log.warn('close-step-late', { error: errorMessage(error) }),
        );
      const state = running;
      running = undefined;
      queue?.close();
      queue = undefined;
      await within(outbox?.close());
      outbox = undefined;
      await within(state?.autoscaler.close());
      await within(elector.close());
      await within(source.close());
      if (state) await within(new Promise<void>((resolve) => state.server.close(() => resolve())));
      await runtime.close();
      if (state) {
        await within(Promise.allSettled([state.redis.quit(), state.subscriber.quit()]));
        state.redis.disconnect();
        state.subscriber.disconnect();
      }
    },

    isLeader: () => elector.isLeader(),

    metricsAddress: () => {
      const address = running?.server.address();
      return typeof address === 'object' && address !== null ? address : undefined;
    },
  };
}
