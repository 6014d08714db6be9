// Kubernetes mode: the one control loop over the Function informer and the Kubernetes runtime (a Deployment per
// Function), status in the status subresource. Only the replica holding the Lease reconciles and scales; the
// others keep warm caches and wait.
import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Redis } from '@spool/node';
import type { ControllerConfig } from '@spool/api';
import type { Clock } from '../clock.js';
import { createController, type Controller } from '../controller.js';
import { withSharedConnections } from '../kube/connections.js';
import { scaleRequestConsumer } from '../kube/scale-request.js';
import { createLeaseElector } from '../leader/lease-elector.js';
import type { Log } from '../log.js';
import type { ControllerMetrics } from '../metrics.js';
import { defaultDesiredDeploymentOptions } from '../reconcile/desired.js';
import { secretCredentialStore } from '../redis-credentials.js';
import { createKubernetesRuntime } from '../runtime/kubernetes.js';
import { createInformerSource } from '../source/informer-source.js';
import { createKubeStatusWriter } from '../status/kube-status.js';

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

export type KubeController = Controller;

export function createKubeController(deps: KubeControllerDeps): KubeController {
  const { config, clock, log } = deps;
  const kc = withSharedConnections(deps.kc);
  return createController({
    config,
    redis: deps.redis,
    source: createInformerSource(kc, log, config.namespaces),
    runtime: createKubernetesRuntime({
      kc,
      desired: defaultDesiredDeploymentOptions(config.functionRedis, config.watchdogLock),
      log,
      namespaces: config.namespaces,
    }),
    status: createKubeStatusWriter(kc, () => clock.now()),
    consumeScaleRequest: scaleRequestConsumer(kc),
    elector: createLeaseElector({
      api: kc.makeApiClient(CoordinationV1Api),
      namespace: config.leaseNamespace,
      name: config.leaseName,
      identity: deps.identity,
      leaseDurationSeconds: config.leaseDurationSeconds,
      retryPeriodMs: Math.max(500, (config.leaseDurationSeconds * 1000) / 4),
      clock,
      log,
    }),
    onLostLeadership: deps.onLostLeadership,
    clock,
    log,
    healthRequiresRedis: false,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.workers ? { workers: deps.workers } : {}),
    // Each Function's password in a Secret of its namespace, owned by it (docs/security.md, "Redis isolation").
    credentials: config.redisAcl === 'on' ? secretCredentialStore(kc) : undefined,
  });
}
