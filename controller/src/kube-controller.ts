// Kubernetes mode: informers feed a keyed work queue whose reconciler applies each Function's Deployment and
// status; the same autoscaler as the process runtime drives replicas through the scale subresource. Only the
// replica holding the Lease reconciles and scales; the others keep warm caches and wait.
import { CoordinationV1Api, type KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  FUNCTION_LABEL,
  KEY_PREFIX,
  REPLICA_STATUS_KEY,
  channels,
  functionKey,
  queueName,
  type ControllerConfig,
  type FunctionRef,
  type ResolvedFunction,
} from '@spool/api';
import { createAutoscaler, type Autoscaler } from './autoscale/autoscaler.js';
import { observeQueue } from './autoscale/observe.js';
import type { Clock } from './clock.js';
import {
  deploymentInformer,
  functionInformer,
  startInformer,
  type FunctionObject,
} from './kube/informers.js';
import { createLeaseElector, type LeaseElector } from './leader/lease-elector.js';
import { errorMessage, type Log } from './log.js';
import { createControllerMetrics, type ControllerMetrics } from './metrics.js';
import { defaultDesiredDeploymentOptions } from './reconcile/desired.js';
import { createReconciler, type ScaleTargets } from './reconcile/reconciler.js';
import { createWorkQueue, type WorkQueue } from './reconcile/workqueue.js';
import { createKubernetesRuntime } from './runtime/kubernetes.js';

export interface KubeControllerDeps {
  readonly config: ControllerConfig;
  readonly kc: KubeConfig;
  /** Opens a Redis connection; two are opened (commands, subscriber) and closed on close(). */
  readonly redis: () => Redis;
  readonly clock: Clock;
  readonly log: Log;
  /** This replica's name in the Lease (the pod name in a cluster). */
  readonly identity: string;
  /** Called when a held Lease was lost; the safe reaction is to stop (main.ts exits). */
  readonly onLostLeadership: () => void;
  readonly metrics?: ControllerMetrics;
  /** Reconciles in parallel, each key one at a time. */
  readonly workers?: number;
}

export interface KubeController {
  start(): Promise<void>;
  close(): Promise<void>;
  isLeader(): boolean;
}

/** Longest wait for each shutdown step before it is abandoned. */
const CLOSE_STEP_TIMEOUT_MS = 5_000;

const keyOf = (
  obj: { metadata?: { name?: string; namespace?: string } },
  name = obj.metadata?.name ?? '',
): string => `${obj.metadata?.namespace ?? 'default'}/${name}`;

/** The Function a Deployment belongs to, from the label the desired Deployment sets. */
const ownerKey = (d: V1Deployment): string | undefined => {
  const fn = d.metadata?.labels?.[FUNCTION_LABEL];
  return fn === undefined ? undefined : keyOf(d, fn);
};

async function forgetQueue(redis: Redis, ref: FunctionRef): Promise<void> {
  const queue = new Queue(queueName(ref), { connection: redis, prefix: KEY_PREFIX });
  try {
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
  }
  await redis.hdel(REPLICA_STATUS_KEY, functionKey(ref));
}

export function createKubeController(deps: KubeControllerDeps): KubeController {
  const { config, kc, clock, log } = deps;
  const metrics = deps.metrics ?? createControllerMetrics();
  const functions = functionInformer(kc);
  const deployments = deploymentInformer(kc);
  const runtime = createKubernetesRuntime({
    kc,
    deployments,
    desired: defaultDesiredDeploymentOptions(config.functionRedis, config.watchdogLock),
  });
  const tracked = new Map<string, ResolvedFunction>();
  let redis: Redis | undefined;
  let subscriber: Redis | undefined;
  let autoscaler: Autoscaler | undefined;
  let queue: WorkQueue | undefined;
  let elector: LeaseElector | undefined;
  let stopInformers: (() => Promise<void>)[] = [];

  const targets: ScaleTargets = {
    track: (fn) => {
      tracked.set(keyOf(fn), fn);
      autoscaler?.setFunctions([...tracked.values()]);
    },
    forget: (ref) => {
      tracked.delete(functionKey(ref));
      autoscaler?.setFunctions([...tracked.values()]);
    },
    // One path for scale requests in both modes: the autoscaler's channel.
    request: (ref, replicas) =>
      void redis?.publish(channels.scaleRequest, JSON.stringify({ key: functionKey(ref), replicas })),
  };

  const lead = async (): Promise<void> => {
    if (!redis || !subscriber) return;
    autoscaler = createAutoscaler({
      redis,
      subscriber,
      runtime,
      clock,
      log,
      metrics,
      intervalMs: config.scaleIntervalMs,
    });
    const commands = redis;
    const reconcile = createReconciler({
      kc,
      functions,
      deployments,
      runtime,
      targets,
      queued: async (ref) => {
        const counts = await observeQueue(commands, ref);
        return counts.waiting;
      },
      forgetQueue: (ref) => forgetQueue(commands, ref),
      now: () => clock.now(),
    });
    queue = createWorkQueue({
      work: reconcile,
      concurrency: deps.workers ?? 8,
      clock,
      onError: (key, error, retryInMs) =>
        log.error('reconcile-failed', { key, error: errorMessage(error), retryInMs }),
    });
    await autoscaler.start();
    for (const fn of functions.list()) queue.add(keyOf(fn));
  };

  return {
    async start() {
      redis = deps.redis();
      subscriber = deps.redis();
      functions.on('add', (fn: FunctionObject) => queue?.add(keyOf(fn)));
      functions.on('update', (fn: FunctionObject) => queue?.add(keyOf(fn)));
      functions.on('delete', (fn: FunctionObject) => queue?.add(keyOf(fn)));
      const onDeployment = (d: V1Deployment): void => {
        const key = ownerKey(d);
        if (key !== undefined) queue?.add(key);
      };
      deployments.on('add', onDeployment);
      deployments.on('update', onDeployment);
      deployments.on('delete', onDeployment);
      stopInformers = await Promise.all([
        startInformer(functions, 'functions', log),
        startInformer(deployments, 'deployments', log),
      ]);
      elector = createLeaseElector({
        api: kc.makeApiClient(CoordinationV1Api),
        namespace: config.leaseNamespace,
        name: config.leaseName,
        identity: deps.identity,
        leaseDurationSeconds: config.leaseDurationSeconds,
        retryPeriodMs: Math.max(500, (config.leaseDurationSeconds * 1000) / 4),
        clock,
        onStartedLeading: () =>
          void lead().catch((error: unknown) => log.error('lead-failed', { error: errorMessage(error) })),
        onStoppedLeading: deps.onLostLeadership,
        log,
      });
      elector.start();
    },

    async close() {
      queue?.close();
      // Bounded: with Redis or the API server gone, a tick or a lease release would otherwise wait forever.
      const within = (work: Promise<unknown> | undefined): Promise<unknown> =>
        Promise.race([work, clock.sleep(CLOSE_STEP_TIMEOUT_MS)]);
      await within(autoscaler?.close());
      await within(elector?.close());
      await within(Promise.all(stopInformers.map((stop) => stop())));
      redis?.disconnect();
      subscriber?.disconnect();
    },

    isLeader: () => elector?.isLeader() ?? false,
  };
}
