// The Deployment a Function should have: a pure function of the Function and the install's options.
// It leaves out spec.replicas, which the autoscaler owns through the scale subresource.
import type {
  V1Container,
  V1Deployment,
  V1EnvVar,
  V1EnvVarSource,
  V1OwnerReference,
  V1Probe,
} from '@kubernetes/client-node';
import type { FunctionRedisCredential } from '../runtime/runtime.js';
import {
  REDIS_AUTH_ENV,
  REDIS_SECRET_KEY,
  FUNCTION_API_VERSION,
  FUNCTION_KIND,
  WATCHDOG_PORT,
  defaultQueueLockConfig,
  deploymentName,
  functionLabels,
  functionRef,
  selectorLabels,
  watchdogEnv,
  type QueueLockConfig,
  type ResolvedFunction,
} from '@spool/api';

/** How function pods reach Redis: a literal URL, or a key of a Secret in the function's namespace. */
export type RedisSource = { readonly url: string } | { readonly secretName: string; readonly key: string };

export interface DesiredDeploymentOptions {
  readonly redis: RedisSource;
  /** Port of the watchdog's health and metrics server in every function pod. */
  readonly watchdogPort: number;
  /** Extra seconds past the function timeout for a stopping pod to finish its calls and exit. */
  readonly drainMarginSeconds: number;
  /** The controller's queue lock settings, the same for every function pod (how fast a dead pod's calls re-run). */
  readonly lock: QueueLockConfig;
  /**
   * The function's own Redis user: its name in plain env, its password from the Secret in the function's
   * namespace (`secretKeyRef`, never in the Deployment), and the password's digest on the pod template so a
   * rotated password rolls the pods. Unset in shared-credential mode.
   */
  readonly credential?: Pick<FunctionRedisCredential, 'username' | 'secretName' | 'digest'>;
}

/** On the pod template: which Redis password the pods were started with. */
export const REDIS_CREDENTIAL_ANNOTATION = 'spool.dev/redis-credential';

export const defaultDesiredDeploymentOptions = (
  redis: RedisSource,
  lock: QueueLockConfig = defaultQueueLockConfig(),
): DesiredDeploymentOptions => ({
  redis,
  watchdogPort: WATCHDOG_PORT,
  drainMarginSeconds: 15,
  lock,
});

/**
 * Three quick crashes in a row at start (100 + 200 ms of the watchdog's own backoff, about a second in all) and the
 * watchdog exits with the user process's exit and stderr tail as its termination message: the kubelet's
 * CrashLoopBackOff then carries the reason to the Function's status (issue 12). Fewer would give up on a
 * dependency that takes a moment; more only delays the reason.
 */
export const START_CRASHES_BEFORE_EXIT = 3;
/** Kubernetes' default path, named so the watchdog and the container agree. */
export const TERMINATION_MESSAGE_PATH = '/dev/termination-log';

const podIp: V1EnvVarSource = { fieldRef: { fieldPath: 'status.podIP' } };

/**
 * The watchdog's plain settings (api `watchdogEnv`), then what only Kubernetes can fill in: the Redis URL from
 * a Secret, and the pod's own address from the downward API.
 */
function containerEnv(fn: ResolvedFunction, opts: DesiredDeploymentOptions): V1EnvVar[] {
  const { redis } = opts;
  const plain = watchdogEnv(fn, {
    ...('url' in redis ? { redisUrl: redis.url } : {}),
    port: opts.watchdogPort,
    exitAfterStartCrashes: START_CRASHES_BEFORE_EXIT,
    terminationMessagePath: TERMINATION_MESSAGE_PATH,
    lock: opts.lock,
  });
  return [
    ...Object.entries(plain).map(([name, value]) => ({ name, value })),
    ...('url' in redis
      ? []
      : [
          {
            name: 'SPOOL_REDIS_URL',
            valueFrom: { secretKeyRef: { name: redis.secretName, key: redis.key } },
          },
        ]),
    ...(opts.credential === undefined
      ? []
      : [
          { name: REDIS_AUTH_ENV.username, value: opts.credential.username },
          {
            name: REDIS_AUTH_ENV.password,
            valueFrom: { secretKeyRef: { name: opts.credential.secretName, key: REDIS_SECRET_KEY } },
          },
        ]),
    // Bind to the pod's own address: the same in a real pod, and distinct per pod where pods share a host.
    { name: 'SPOOL_WATCHDOG_HOST', valueFrom: podIp },
    { name: 'SPOOL_USER_HOST', valueFrom: podIp },
  ];
}

function functionContainer(fn: ResolvedFunction, opts: DesiredDeploymentOptions): V1Container {
  const probe = (path: string, periodSeconds: number, failureThreshold: number): V1Probe => ({
    httpGet: { path, port: 'watchdog' },
    periodSeconds,
    failureThreshold,
    timeoutSeconds: 2,
  });
  return {
    name: 'function',
    image: fn.spec.image,
    // No command: the image's entrypoint is the watchdog (a Spool runtime base image), which runs spec.command.
    env: containerEnv(fn, opts),
    ports: [{ name: 'watchdog', containerPort: opts.watchdogPort, protocol: 'TCP' }],
    readinessProbe: probe('/_/ready', 1, 1),
    livenessProbe: probe('/_/health', 10, 3),
    terminationMessagePath: TERMINATION_MESSAGE_PATH,
    // The watchdog writes the file when it gives up on the user process; when the watchdog itself fails (its
    // port taken, a bad setting) its last log lines are the message instead.
    terminationMessagePolicy: 'FallbackToLogsOnError',
    ...(fn.spec.resources ? { resources: fn.spec.resources } : {}),
    ...(fn.spec.workingDir !== undefined ? { workingDir: fn.spec.workingDir } : {}),
    securityContext: {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  };
}

/** Owned by its Function, as its controller: deleting the Function deletes it (Kubernetes garbage collection). */
export const functionOwnerReference = (fn: ResolvedFunction): V1OwnerReference => ({
  apiVersion: FUNCTION_API_VERSION,
  kind: FUNCTION_KIND,
  name: fn.metadata.name,
  uid: fn.metadata.uid ?? '',
  controller: true,
  blockOwnerDeletion: true,
});

export function desiredDeployment(fn: ResolvedFunction, opts: DesiredDeploymentOptions): V1Deployment {
  const ref = functionRef(fn);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: deploymentName(ref),
      namespace: ref.namespace,
      labels: functionLabels(ref),
      ownerReferences: [functionOwnerReference(fn)],
    },
    spec: {
      selector: { matchLabels: selectorLabels(ref) },
      revisionHistoryLimit: 3,
      // Never fewer ready replicas than wanted during a rollout: calls keep flowing while pods change.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
      template: {
        metadata: {
          labels: functionLabels(ref),
          ...(opts.credential === undefined
            ? {}
            : { annotations: { [REDIS_CREDENTIAL_ANNOTATION]: opts.credential.digest } }),
        },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          // A stopping pod drains its calls, each bounded by the timeout, before it exits.
          terminationGracePeriodSeconds: fn.spec.timeoutSeconds + opts.drainMarginSeconds,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 10001,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [functionContainer(fn, opts)],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}
