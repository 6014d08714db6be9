// Two controller processes share one Lease: only the holder acts, and when it dies (SIGKILL, no release)
// the other takes over within a few seconds and reconciling continues.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { CoordinationV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, FUNCTION_PLURAL } from '@spool/api';
import {
  clusterClients,
  eventually,
  kubeConfig,
  uniqueNamespace,
  type TestNamespace,
} from '../../support/cluster.js';
import { repoRoot } from '../../support/local-functions.js';
import { startProductRedis, type ProductRedis } from '../../support/redis-auth.js';
import {
  SPOOL_NAMESPACE,
  controllerEnv,
  installSpoolResources,
  serviceAccountKubeConfig,
  writeKubeConfig,
} from '../../support/spool-cluster.js';

jest.setTimeout(90_000);

const leases = kubeConfig().makeApiClient(CoordinationV1Api);
const objects = kubeConfig().makeApiClient(CustomObjectsApi);
const { apps } = clusterClients();
const leaseName = `failover-${randomUUID().slice(0, 8)}`;
const controllers = new Map<string, ChildProcess>();
let ns: TestNamespace;
let redis: ProductRedis;

const holder = async (): Promise<string | undefined> =>
  (await leases.readNamespacedLease({ name: leaseName, namespace: SPOOL_NAMESPACE })).spec?.holderIdentity;

const createFunction = (name: string): Promise<unknown> =>
  objects.createNamespacedCustomObject({
    group: API_GROUP,
    version: API_VERSION,
    plural: FUNCTION_PLURAL,
    namespace: ns.name,
    body: {
      apiVersion: 'spool.dev/v1alpha1',
      kind: 'Function',
      metadata: { name },
      spec: { image: 'spool/example-echo:0.1.0', command: ['node', 'server.mjs'] },
    },
  });

beforeAll(async () => {
  await installSpoolResources();
  ns = await uniqueNamespace();
  redis = await startProductRedis();
  const kubeconfig = writeKubeConfig(await serviceAccountKubeConfig('spool-controller'));
  for (const identity of ['controller-a', 'controller-b']) {
    const child = spawn(process.execPath, [join(repoRoot, 'controller/dist/bundle.js')], {
      env: {
        ...process.env,
        ...controllerEnv(redis, leaseName),
        KUBECONFIG: kubeconfig,
        POD_NAME: identity,
      },
      stdio: 'ignore',
    });
    controllers.set(identity, child);
  }
});

afterAll(async () => {
  for (const child of controllers.values()) child.kill('SIGKILL');
  await ns?.cleanup();
  await redis?.stop();
});

describe('leader election', () => {
  test('one replica leads; when it is killed the other takes over and reconciling continues', async () => {
    const first = await eventually(
      async () => {
        const h = await holder();
        if (!h) throw new Error('no holder yet');
        return h;
      },
      { timeoutMs: 30_000 },
    );
    await createFunction('before');
    await eventually(() => apps.readNamespacedDeployment({ name: 'fn-before', namespace: ns.name }), {
      timeoutMs: 20_000,
    });

    const killedAt = Date.now();
    controllers.get(first)?.kill('SIGKILL');
    const second = await eventually(
      async () => {
        const h = await holder();
        if (h === first) throw new Error('still the dead leader');
        return h;
      },
      { timeoutMs: 30_000 },
    );
    const takeoverMs = Date.now() - killedAt;
    await createFunction('after');
    await eventually(() => apps.readNamespacedDeployment({ name: 'fn-after', namespace: ns.name }), {
      timeoutMs: 20_000,
    });
    process.stdout.write(`leader ${first} killed; ${String(second)} took over after ${takeoverMs} ms\n`);
    expect({ second, withinSeconds: takeoverMs < 15_000 }).toEqual({
      second: first === 'controller-a' ? 'controller-b' : 'controller-a',
      withinSeconds: true,
    });
  });
});
