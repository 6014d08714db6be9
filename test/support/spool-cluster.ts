// Spool's Kubernetes mode on the test control plane: the CRD and RBAC installed as shipped, and a controller
// and gateway that authenticate as their own ServiceAccounts, so a missing RBAC rule fails the test.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import {
  CONTROLLER_USER,
  GATEWAY_USER,
  parseControllerConfig,
  parseGatewayConfig,
  redisAuthEnv,
  redisAuthOptions,
  type Env,
} from '@spool/api';
import {
  createKubeController,
  createLogger,
  silentLog,
  systemClock,
  type KubeController,
} from '@spool/controller';
import { createGateway, kubeFunctionWriter, kubeLogReader, kubeRegistry, kubeScaler } from '@spool/gateway';
import { renderChart } from '../../scripts/chart.js';
import { binaryPaths } from '@spool/test-cluster';
import { kubeConfig, kubectl } from './cluster.js';
import { repoRoot } from './local-functions.js';
import type { TestRedisTarget } from './redis-auth.js';

export const SPOOL_NAMESPACE = 'spool-system';

/** Applies the generated CRD and the chart's RBAC (release `spool`), as an installer would; idempotent. */
export async function installSpoolResources(): Promise<void> {
  await kubectl(['apply', '-f', join(repoRoot, 'charts/spool/crds/functions.spool.dev.yaml')]);
  await kubectl(['wait', '--for=condition=Established', '--timeout=30s', 'crd/functions.spool.dev']);
  await kubectl(['create', 'namespace', SPOOL_NAMESPACE]).catch(() => undefined);
  const rbac = renderChart(binaryPaths().helm, {
    release: 'spool',
    namespace: SPOOL_NAMESPACE,
    showOnly: ['templates/rbac.yaml'],
  });
  const file = join(mkdtempSync(join(tmpdir(), 'spool-rbac-')), 'rbac.yaml');
  writeFileSync(file, rbac);
  await kubectl(['apply', '-f', file]);
}

/**
 * The chart's RBAC for `release` with `watchNamespaces` set: ServiceAccounts `<release>-spool-controller` and
 * `<release>-spool-gateway` holding Roles in `namespaces` only. Returns their names and a cleanup.
 */
export async function installNamespacedRbac(
  release: string,
  namespaces: readonly string[],
  values: Readonly<Record<string, string>> = {},
): Promise<{ controller: string; gateway: string; cleanup: () => Promise<void> }> {
  const rbac = renderChart(binaryPaths().helm, {
    release,
    namespace: SPOOL_NAMESPACE,
    showOnly: ['templates/rbac.yaml'],
    values: { watchNamespaces: `{${namespaces.join(',')}}`, ...values },
  });
  const file = join(mkdtempSync(join(tmpdir(), 'spool-rbac-')), 'rbac.yaml');
  writeFileSync(file, rbac);
  await kubectl(['apply', '-f', file]);
  return {
    controller: `${release}-spool-controller`,
    gateway: `${release}-spool-gateway`,
    cleanup: async () => {
      await kubectl(['delete', '--ignore-not-found', '-f', file]);
    },
  };
}

/** A kubeconfig holding a bound token of `serviceAccount`, for the same API server as the admin's. */
export async function serviceAccountKubeConfig(serviceAccount: string): Promise<KubeConfig> {
  const admin = kubeConfig();
  const core = admin.makeApiClient(CoreV1Api);
  const { status } = await core.createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace: SPOOL_NAMESPACE,
    body: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: [], expirationSeconds: 3600 },
    },
  });
  const cluster = admin.getCurrentCluster();
  if (!cluster || !status?.token) throw new Error(`no token for ${serviceAccount}`);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: serviceAccount, token: status.token }],
    contexts: [{ name: serviceAccount, cluster: cluster.name, user: serviceAccount }],
    currentContext: serviceAccount,
  });
  return kc;
}

/** The same, as a file: for controller processes started as children. */
export function writeKubeConfig(kc: KubeConfig): string {
  const file = join(mkdtempSync(join(tmpdir(), 'spool-kc-')), 'kubeconfig');
  writeFileSync(file, kc.exportConfig(), { mode: 0o600 });
  return file;
}

/** Who a component is to `redis`: its own user, or nothing in shared-credential mode. */
function redisIdentity(redis: TestRedisTarget, user: 'controller' | 'gateway'): Env {
  if (redis.shared) return {};
  const password = user === 'controller' ? redis.controllerPassword : redis.gatewayPassword;
  return redisAuthEnv({ username: user === 'controller' ? CONTROLLER_USER : GATEWAY_USER, password });
}

/**
 * As the chart runs it: on a bootstrapped Redis (`startProductRedis`), the controller's own user and one Redis user
 * per Function, each password in a Secret of the function's namespace; on a shared one, shared-credential mode.
 */
export function controllerEnv(redis: TestRedisTarget, leaseName: string): Env {
  return {
    SPOOL_RUNTIME: 'kubernetes',
    SPOOL_REDIS_URL: redis.address,
    ...redisIdentity(redis, 'controller'),
    ...(redis.shared ? { SPOOL_REDIS_ACL: 'off' } : {}),
    SPOOL_NAMESPACE: SPOOL_NAMESPACE,
    SPOOL_LEASE_NAME: leaseName,
    SPOOL_LEASE_DURATION_SECONDS: '4',
    SPOOL_SCALE_INTERVAL_MS: '500',
    SPOOL_METRICS_HOST: '127.0.0.1',
    SPOOL_METRICS_PORT: '0',
  };
}

/** Which ServiceAccount a component runs as and which namespaces it watches (defaults: release `spool`, all). */
export interface RunAs {
  readonly serviceAccount?: string;
  readonly namespaces?: readonly string[];
}

export async function startKubeController(
  redis: TestRedisTarget,
  leaseName = `lease-${randomUUID().slice(0, 8)}`,
  runAs: RunAs = {},
): Promise<KubeController> {
  const env = { ...controllerEnv(redis, leaseName), SPOOL_NAMESPACES: (runAs.namespaces ?? []).join(',') };
  const config = parseControllerConfig(env);
  const controller = createKubeController({
    config,
    kc: await serviceAccountKubeConfig(runAs.serviceAccount ?? 'spool-controller'),
    redis: () =>
      new Redis(config.redisUrl, { ...redisAuthOptions(config.redisAuth), maxRetriesPerRequest: null }),
    clock: systemClock,
    log: process.env['SPOOL_TEST_LOG']
      ? createLogger({ component: 'controller', destination: 2 })
      : silentLog,
    identity: `test-${randomUUID().slice(0, 8)}`,
    onLostLeadership: () => undefined,
  });
  await controller.start();
  return controller;
}

export interface KubeGateway {
  readonly url: string;
  close(): Promise<void>;
}

export async function startKubeGateway(
  redis: TestRedisTarget,
  namespaces: readonly string[],
  serviceAccount = 'spool-gateway',
  env: Readonly<Record<string, string>> = {},
): Promise<KubeGateway> {
  const kc = await serviceAccountKubeConfig(serviceAccount);
  const config = parseGatewayConfig({
    SPOOL_REGISTRY: 'kubernetes',
    SPOOL_HOST: '127.0.0.1',
    SPOOL_PORT: '0',
    SPOOL_REDIS_URL: redis.address,
    ...redisIdentity(redis, 'gateway'),
    SPOOL_NAMESPACES: namespaces.join(','),
    SPOOL_QUEUE_WAIT_MS: '30000',
    ...env,
  });
  const connect = (): Redis =>
    new Redis(config.redisUrl, { ...redisAuthOptions(config.redisAuth), maxRetriesPerRequest: null });
  const client = connect();
  const subscriber = connect();
  const log = silentLog;
  const gateway = createGateway({
    config,
    redis: client,
    subscriber,
    registry: await kubeRegistry(kc, config.namespaces, log),
    scaler: kubeScaler(kc),
    functions: kubeFunctionWriter(kc),
    logs: kubeLogReader(kc),
    gatewayId: `test-${randomUUID().slice(0, 8)}`,
    log,
  });
  const { port } = await gateway.start();
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await gateway.close();
      client.disconnect();
      subscriber.disconnect();
    },
  };
}
