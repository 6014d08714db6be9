// Helpers for tests against the real test control plane: clients, a namespace per test, HTTP to pods, kubectl and helm.
import { execFile } from 'node:child_process';
import type { afterAll as AfterAll, beforeAll as BeforeAll } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { promisify } from 'node:util';
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1Pod,
} from '@kubernetes/client-node';
import { binaryPaths, paths } from './paths.js';

import { eventually } from './eventually.js';

export { eventually, type EventuallyOptions } from './eventually.js';

const execFileAsync = promisify(execFile);

/** The admin kubeconfig `cluster up` wrote (or $KUBECONFIG when a test run points elsewhere). */
export function kubeconfigPath(): string {
  return process.env['KUBECONFIG'] ?? paths.kubeconfig;
}

export function kubeConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath());
  return config;
}

export interface ClusterClients {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly rbac: RbacAuthorizationV1Api;
}

export function clusterClients(config: KubeConfig = kubeConfig()): ClusterClients {
  return {
    core: config.makeApiClient(CoreV1Api),
    apps: config.makeApiClient(AppsV1Api),
    rbac: config.makeApiClient(RbacAuthorizationV1Api),
  };
}

export interface TestNamespace {
  readonly name: string;
  /** Deletes the namespace; the namespace controller and garbage collector remove what is in it. */
  cleanup(): Promise<void>;
}

/** A fresh namespace `<prefix>-<uuid>`, so tests never see each other's objects. */
export async function uniqueNamespace(prefix = 'test'): Promise<TestNamespace> {
  const { core } = clusterClients();
  const name = `${prefix}-${randomUUID()}`;
  await core.createNamespace({ body: { metadata: { name, labels: { 'spool.dev/test': 'true' } } } });
  // The serviceaccount controller creates `default` shortly after; pods are refused until it exists.
  await eventually(() => core.readNamespacedServiceAccount({ name: 'default', namespace: name }), {
    timeoutMs: 20_000,
  });
  return {
    name,
    cleanup: async () => {
      await core.deleteNamespace({ name }).catch((error: unknown) => {
        throw new Error(`deleting namespace ${name}`, { cause: error });
      });
    },
  };
}

/** A fresh namespace for a whole test file: created before its tests run, deleted after them. */
export function namespaceForSuite(): { readonly name: string } {
  // Jest's hooks from its injected globals: a value import of '@jest/globals' fails outside jest, and the
  // benchmarks load this kit too.
  const { beforeAll, afterAll } = globalThis as unknown as {
    beforeAll: typeof BeforeAll;
    afterAll: typeof AfterAll;
  };
  let namespace: TestNamespace | undefined;
  beforeAll(async () => {
    namespace = await uniqueNamespace();
  });
  afterAll(async () => {
    await namespace?.cleanup();
  });
  return {
    get name(): string {
      if (!namespace) throw new Error('the suite namespace exists only inside tests');
      return namespace.name;
    },
  };
}

export function isPodReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The pod, once it is ready; `replacing` a uid waits for a new pod of the same name (a StatefulSet's). */
export function readyPod(namespace: string, name: string, replacing?: string): Promise<V1Pod> {
  const { core } = clusterClients();
  return eventually(
    async () => {
      const pod = await core.readNamespacedPod({ name, namespace });
      if (replacing !== undefined && pod.metadata?.uid === replacing)
        throw new Error(`${name} not replaced yet`);
      if (!isPodReady(pod)) throw new Error(`${name} not ready yet`);
      return pod;
    },
    { timeoutMs: 60_000 },
  );
}

/**
 * Static provisioning, as an administrator does it (the test cluster has no StorageClass): a hostPath PV
 * reserved for one claim, so no other test's claim takes it. Retained, so the test removes `dir` itself.
 */
export async function createReservedHostPathVolume(
  name: string,
  dir: string,
  claim: { readonly namespace: string; readonly name: string },
  storage = '1Gi',
): Promise<void> {
  await clusterClients().core.createPersistentVolume({
    body: {
      metadata: { name },
      spec: {
        capacity: { storage },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain',
        hostPath: { path: dir, type: 'Directory' },
        claimRef: claim,
      },
    },
  });
}

/** The pid the process node reports for a container (containerID `process://<pid>`). */
export function containerPid(pod: V1Pod, container = 0): number | undefined {
  const id = pod.status?.containerStatuses?.[container]?.containerID;
  const match = id ? /^process:\/\/(\d+)$/.exec(id) : null;
  return match?.[1] ? Number(match[1]) : undefined;
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** A plain HTTP GET with a short timeout; rejects when nothing listens. */
export function httpGet(url: string, timeoutMs = 2_000): Promise<HttpAnswer> {
  return new Promise((resolveAnswer, reject) => {
    const req = request(url, { timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Runs the machine's kubectl against the test cluster; resolves to stdout, rejects with stderr in the message. */
export async function kubectl(args: readonly string[]): Promise<string> {
  return run('kubectl', args, { KUBECONFIG: kubeconfigPath() });
}

/** Runs helm from the cached build, with its caches and config in `home`. */
export async function helm(args: readonly string[], home: string): Promise<string> {
  return run(binaryPaths().helm, args, {
    KUBECONFIG: kubeconfigPath(),
    XDG_CACHE_HOME: `${home}/cache`,
    XDG_CONFIG_HOME: `${home}/config`,
    XDG_DATA_HOME: `${home}/data`,
  });
}

async function run(command: string, args: readonly string[], env: Record<string, string>): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, [...args], { env: { ...process.env, ...env } });
    return stdout;
  } catch (cause) {
    const { stdout = '', stderr = '' } = cause as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${stdout}${stderr}`, { cause });
  }
}
