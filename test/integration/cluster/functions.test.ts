// Kubernetes mode on the real control plane: Functions become Deployments whose pods run the watchdog,
// calls through the gateway succeed, status tells the truth, scale goes to zero and back, deletion cleans up.
// The controller and gateway authenticate as their shipped ServiceAccounts.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { CustomObjectsApi, type V1Deployment } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import {
  API_GROUP,
  API_VERSION,
  FUNCTION_PLURAL,
  KEY_PREFIX,
  functionUserName,
  redisSecretName,
  validateFunction,
  type FunctionResource,
  type FunctionSpecInput,
} from '@spool/api';
import type { KubeController } from '@spool/controller';
import {
  clusterClients,
  eventually,
  kubeConfig,
  uniqueNamespace,
  type TestNamespace,
} from '../../support/cluster.js';
import { startProductRedis, type ProductRedis } from '../../support/redis-auth.js';
import {
  installSpoolResources,
  startKubeController,
  startKubeGateway,
  type KubeGateway,
} from '../../support/spool-cluster.js';

jest.setTimeout(120_000);

const objects = kubeConfig().makeApiClient(CustomObjectsApi);
const { apps, core } = clusterClients();
const fnApi = { group: API_GROUP, version: API_VERSION, plural: FUNCTION_PLURAL };

let ns: TestNamespace;
let redis: ProductRedis;
let controller: KubeController;
let gateway: KubeGateway;

const functionObject = (name: string, spec: Partial<FunctionSpecInput> = {}): FunctionResource => ({
  apiVersion: 'spool.dev/v1alpha1',
  kind: 'Function',
  metadata: { name },
  spec: { image: 'spool/example-echo:0.1.0', command: ['node', 'server.mjs'], ...spec },
});

const createFunction = (fn: FunctionResource): Promise<unknown> =>
  objects.createNamespacedCustomObject({ ...fnApi, namespace: ns.name, body: fn });

const readFunction = async (name: string): Promise<FunctionResource> =>
  (await objects.getNamespacedCustomObject({ ...fnApi, namespace: ns.name, name })) as FunctionResource;

const readDeployment = (name: string): Promise<V1Deployment> =>
  apps.readNamespacedDeployment({ name: `fn-${name}`, namespace: ns.name });

const readyCondition = async (name: string): Promise<string | undefined> =>
  (await readFunction(name)).status?.conditions?.find((c) => c.type === 'Ready')?.reason;

function deploymentShape(d: V1Deployment): Record<string, unknown> {
  const pod = d.spec!.template.spec!;
  const container = pod.containers[0]!;
  return {
    owner: d.metadata!.ownerReferences![0]!.kind,
    image: container.image,
    readiness: container.readinessProbe!.httpGet!.path,
    grace: pod.terminationGracePeriodSeconds,
  };
}

beforeAll(async () => {
  await installSpoolResources();
  ns = await uniqueNamespace();
  redis = await startProductRedis();
  controller = await startKubeController(redis);
  gateway = await startKubeGateway(redis, [ns.name]);
});

afterAll(async () => {
  await gateway?.close();
  await controller?.close();
  await ns?.cleanup();
  await redis?.stop();
});

describe('the Function CRD', () => {
  const rows: { name: string; fn: FunctionResource }[] = [
    { name: 'a minimal Function', fn: functionObject('ok') },
    { name: 'scale.min above scale.max', fn: functionObject('bad-scale', { scale: { min: 5, max: 2 } }) },
    { name: 'min above the default max', fn: functionObject('bad-min', { scale: { min: 21 } }) },
    { name: 'an unknown mode', fn: functionObject('bad-mode', { mode: 'grpc' as 'http' }) },
    { name: 'a zero timeout', fn: functionObject('bad-timeout', { timeoutSeconds: 0 }) },
    { name: 'an empty command', fn: functionObject('bad-command', { command: [] }) },
    { name: 'a bad env name', fn: functionObject('bad-env', { env: [{ name: '1X', value: 'a' }] }) },
    { name: 'a name too long for fn-NAME', fn: functionObject('a'.repeat(61)) },
    { name: "the watchdog's port", fn: functionObject('bad-port', { port: 8081 }) },
    { name: 'a port beside the watchdog', fn: functionObject('ok-port', { port: 8082 }) },
    {
      name: 'no image',
      fn: { ...functionObject('no-image'), spec: { command: ['x'] } as FunctionSpecInput },
    },
  ];

  test.each(rows)('the API server and validateFunction agree on $name', async ({ fn }) => {
    const accepted = await objects
      .createNamespacedCustomObject({ ...fnApi, namespace: ns.name, body: fn, dryRun: 'All' })
      .then(
        () => true,
        (error: { code?: number; body?: string }) => {
          if (error.code !== 422) throw error;
          return false;
        },
      );
    expect(accepted).toBe(validateFunction(fn).length === 0);
  });

  test('an invalid Function is refused with a message naming the rule', async () => {
    const error = await createFunction(functionObject('bad', { scale: { min: 5, max: 2 } })).catch(
      (e: { body?: string }) => e,
    );
    expect(String((error as { body?: string }).body)).toContain('scale.min must not exceed scale.max');
  });

  test('the API server fills the defaults of the api/ definition', async () => {
    await createFunction(functionObject('defaults'));
    const stored = await readFunction('defaults');
    expect(stored.spec).toMatchObject({
      mode: 'http',
      timeoutSeconds: 30,
      scale: { min: 0, max: 20, idleSeconds: 300 },
    });
  });
});

describe('a Function in Kubernetes mode', () => {
  test('becomes a Deployment running the watchdog, answers through the gateway, and reports Ready', async () => {
    await createFunction(functionObject('echo', { scale: { min: 1 } }));
    const deployment = await eventually(() => readDeployment('echo'), { timeoutMs: 20_000 });
    expect(deploymentShape(deployment)).toEqual({
      owner: 'Function',
      image: 'spool/example-echo:0.1.0',
      readiness: '/_/ready',
      grace: 45,
    });
    const res = await eventually(
      async () => {
        const r = await fetch(`${gateway.url}/function/echo.${ns.name}`, {
          method: 'POST',
          body: 'hello kube',
        });
        if (r.status !== 200) throw new Error(`status ${r.status}`);
        return r.text();
      },
      { timeoutMs: 30_000 },
    );
    expect(res).toBe('hello kube');
    await eventually(async () => expect(await readyCondition('echo')).toBe('Serving'), { timeoutMs: 20_000 });
    // The gateway shows the conditions the controller wrote, as in local mode.
    await eventually(async () => {
      const body = (await (await fetch(`${gateway.url}/system/function/echo.${ns.name}`)).json()) as {
        conditions: { type: string; reason: string }[];
      };
      // As the chart runs it: one Redis user per Function, its password in a Secret of the namespace.
      expect(body.conditions.map((c) => `${c.type} ${c.reason}`)).toEqual([
        'Ready Serving',
        'Valid SpecValid',
        'RedisIsolated OwnRedisUser',
      ]);
    });
  });

  test('/system/scale-function writes the scale subresource; the controller scales its Deployment and removes the request', async () => {
    await createFunction(functionObject('scaled', { scale: { min: 1 } }));
    await eventually(async () => expect((await readDeployment('scaled')).status?.readyReplicas).toBe(1), {
      timeoutMs: 30_000,
    });
    const res = await fetch(`${gateway.url}/system/scale-function/scaled.${ns.name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replicas: 2 }),
    });
    expect(res.status).toBe(202);
    await eventually(
      async () => {
        expect((await readDeployment('scaled')).status?.readyReplicas).toBe(2);
        // Consumed: the same count asked again later is a change again.
        expect((await readFunction('scaled')).spec.replicas).toBeUndefined();
      },
      { timeoutMs: 30_000 },
    );
  });

  test('an image update rolls the Deployment out', async () => {
    await createFunction(functionObject('rolled', { scale: { min: 2 } }));
    await eventually(async () => expect((await readDeployment('rolled')).status?.readyReplicas).toBe(2), {
      timeoutMs: 30_000,
    });
    await objects.patchNamespacedCustomObject({
      ...fnApi,
      namespace: ns.name,
      name: 'rolled',
      body: [{ op: 'replace', path: '/spec/image', value: 'spool/example-echo:0.2.0' }],
    });
    await eventually(
      async () => {
        const d = await readDeployment('rolled');
        expect({
          image: d.spec?.template.spec?.containers[0]?.image,
          updated: d.status?.updatedReplicas,
          ready: d.status?.readyReplicas,
          old: (d.status?.replicas ?? 0) - (d.status?.updatedReplicas ?? 0),
        }).toEqual({
          image: 'spool/example-echo:0.2.0',
          updated: 2, // scale.min holds two replicas
          ready: 2,
          old: 0,
        });
      },
      { timeoutMs: 40_000 },
    );
    const replicaSets = await apps.listNamespacedReplicaSet({
      namespace: ns.name,
      labelSelector: 'spool.dev/function=rolled',
    });
    expect(replicaSets.items.length).toBe(2);
  });

  test('with idleSeconds 5 it wakes from zero on a call, goes back to zero when idle, and wakes again', async () => {
    await createFunction(functionObject('idle', { scale: { idleSeconds: 5, scaleDownDelaySeconds: 0 } }));
    const call = async (): Promise<{ status: number; body: string }> => {
      const res = await fetch(`${gateway.url}/function/idle.${ns.name}`, { method: 'POST', body: 'wake up' });
      return { status: res.status, body: await res.text() };
    };
    await eventually(() => readFunction('idle').then((f) => expect(f.status?.observedGeneration).toBe(1)), {
      timeoutMs: 20_000,
    });
    expect(await call()).toEqual({ status: 200, body: 'wake up' });
    await eventually(async () => expect(await readyCondition('idle')).toBe('Serving'), { timeoutMs: 20_000 });
    await eventually(
      async () => {
        const pods = await core.listNamespacedPod({
          namespace: ns.name,
          labelSelector: 'spool.dev/function=idle',
        });
        expect({ reason: await readyCondition('idle'), pods: pods.items.length }).toEqual({
          reason: 'ScaledToZero',
          pods: 0,
        });
      },
      { timeoutMs: 40_000 },
    );
    expect(await call()).toEqual({ status: 200, body: 'wake up' });
  });

  test('a burst scales out to max, and back down when it has passed', async () => {
    await createFunction(
      functionObject('bursty', {
        image: 'spool/example-sleep:0.1.0',
        concurrency: 2,
        scale: { max: 3, targetPerReplica: 2, idleSeconds: 3, scaleDownDelaySeconds: 1 },
      }),
    );
    await eventually(() => readFunction('bursty').then((f) => expect(f.status?.observedGeneration).toBe(1)), {
      timeoutMs: 20_000,
    });
    let peak = 0;
    const watch = setInterval(() => {
      void readDeployment('bursty').then(
        (d) => (peak = Math.max(peak, d.spec?.replicas ?? 0)),
        () => undefined,
      );
    }, 100);
    const answers = await Promise.all(
      Array.from({ length: 18 }, () =>
        fetch(`${gateway.url}/function/bursty.${ns.name}?ms=1000`).then((r) => r.status),
      ),
    );
    clearInterval(watch);
    expect({ statuses: [...new Set(answers)], peak }).toEqual({ statuses: [200], peak: 3 });
    await eventually(async () => expect((await readDeployment('bursty')).spec?.replicas).toBe(0), {
      timeoutMs: 40_000,
    });
  });

  test('a deleted Function leaves no Deployment, pods, queue, Redis user or Secret behind', async () => {
    await createFunction(functionObject('doomed', { scale: { min: 1 } }));
    await eventually(() => readDeployment('doomed'), { timeoutMs: 20_000 });
    await fetch(`${gateway.url}/async-function/doomed.${ns.name}`, { method: 'POST', body: 'x' });
    await objects.deleteNamespacedCustomObject({ ...fnApi, namespace: ns.name, name: 'doomed' });
    const client = new Redis(redis.operatorUrl);
    const doomed = { namespace: ns.name, name: 'doomed' };
    await eventually(
      async () => {
        const d = await readDeployment('doomed').catch((e: { code?: number }) => e.code);
        const secret = await core
          .readNamespacedSecret({ name: redisSecretName(doomed), namespace: ns.name })
          .then(
            () => 'present',
            (e: { code?: number }) => e.code,
          );
        const user = await client.call('ACL', 'GETUSER', functionUserName(doomed));
        const pods = await core.listNamespacedPod({
          namespace: ns.name,
          labelSelector: 'spool.dev/function=doomed',
        });
        const keys = await client.keys(`${KEY_PREFIX}:{${ns.name}.doomed}:*`);
        expect({ deployment: d, pods: pods.items.length, keys, user, secret }).toEqual({
          deployment: 404,
          pods: 0,
          keys: [],
          user: null,
          secret: 404,
        });
      },
      { timeoutMs: 60_000 },
    );
    client.disconnect();
  });
});
