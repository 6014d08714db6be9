// Issue 12 on the test cluster: each way a Function can be broken shows as a condition naming the cause
// within 30 s, and a sync call then fails within 5 s with that reason. The controller and gateway run as
// their shipped ServiceAccounts; the printer columns (`kubectl get fn -o wide`) are printed for docs/status.md.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { CustomObjectsApi } from '@kubernetes/client-node';
import {
  API_GROUP,
  API_VERSION,
  FUNCTION_PLURAL,
  type Condition,
  type FunctionResource,
  type FunctionSpecInput,
} from '@spool/api';
import type { KubeController } from '@spool/controller';
import {
  clusterClients,
  eventually,
  kubeConfig,
  kubectl,
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

jest.setTimeout(180_000);

const objects = kubeConfig().makeApiClient(CustomObjectsApi);
const { core } = clusterClients();
const fnApi = { group: API_GROUP, version: API_VERSION, plural: FUNCTION_PLURAL };

let ns: TestNamespace;
let quotaNs: TestNamespace;
let redis: ProductRedis;
let controller: KubeController;
let gateway: KubeGateway;

const functionObject = (name: string, spec: Partial<FunctionSpecInput>): FunctionResource => ({
  apiVersion: 'spool.dev/v1alpha1',
  kind: 'Function',
  metadata: { name },
  // min 1: a replica is wanted now, so its failure shows without a call to wake it.
  spec: { image: 'spool/example-echo:0.1.0', command: ['node', 'server.mjs'], scale: { min: 1 }, ...spec },
});

async function readCondition(namespace: string, name: string, type: string): Promise<Condition | undefined> {
  const fn = (await objects.getNamespacedCustomObject({ ...fnApi, namespace, name })) as FunctionResource;
  return fn.status?.conditions?.find((c) => c.type === type);
}

/** The condition within 30 s, then a sync call answered 503 FUNCTION_UNAVAILABLE within 5 s, naming `reason`. */
async function expectBroken(
  namespace: string,
  name: string,
  want: { type: 'Ready' | 'Valid'; reason: string; message: RegExp },
): Promise<void> {
  const condition = await eventually(
    async () => {
      const c = await readCondition(namespace, name, want.type);
      expect(c?.reason).toBe(want.reason);
      return c;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  expect(condition?.status).toBe('False');
  expect(condition?.message).toMatch(want.message);
  // The gateway learns the status through its own cache; give it the same bound, then time one call.
  await eventually(
    async () => {
      const started = Date.now();
      const res = await fetch(`${gateway.url}/function/${name}.${namespace}`, {
        method: 'POST',
        body: 'x',
        signal: AbortSignal.timeout(5_000),
      });
      const body = (await res.json()) as { code: string; message: string };
      expect({ status: res.status, code: body.code }).toEqual({ status: 503, code: 'FUNCTION_UNAVAILABLE' });
      expect(body.message).toContain(want.reason);
      expect(Date.now() - started).toBeLessThan(5_000);
    },
    { timeoutMs: 15_000, intervalMs: 250 },
  );
}

const create = (namespace: string, fn: FunctionResource): Promise<unknown> =>
  objects.createNamespacedCustomObject({ ...fnApi, namespace, body: fn });

beforeAll(async () => {
  await installSpoolResources();
  ns = await uniqueNamespace();
  quotaNs = await uniqueNamespace();
  redis = await startProductRedis();
  controller = await startKubeController(redis);
  gateway = await startKubeGateway(redis, [ns.name, quotaNs.name]);
});

afterAll(async () => {
  // The printer columns as a user sees them, for docs/status.md.
  if (ns) {
    const table = await kubectl(['get', 'fn', '-n', ns.name, '-o', 'wide']).catch(String);
    const quota = await kubectl(['get', 'fn', '-n', quotaNs.name, '-o', 'wide']).catch(String);
    process.stdout.write(`kubectl get fn -o wide\n${table}\n${quota}\n`);
  }
  await gateway?.close();
  await controller?.close();
  await quotaNs?.cleanup();
  await ns?.cleanup();
  await redis?.stop();
});

describe('a broken Function in Kubernetes mode', () => {
  test('crash at start: CrashLoopBackOff with the exit code and the stderr lines', async () => {
    await create(
      ns.name,
      functionObject('crash', {
        command: ['node', '-e', 'console.error("cannot read config.json"); process.exit(3)'],
      }),
    );
    await expectBroken(ns.name, 'crash', {
      type: 'Ready',
      reason: 'CrashLoopBackOff',
      message: /code 3.*cannot read config\.json/s,
    });
  });

  test('a bad resource quantity: Valid=False with the API server message, one Event, no hot retry', async () => {
    await create(ns.name, functionObject('badres', { resources: { limits: { memory: 'lots' } } }));
    await expectBroken(ns.name, 'badres', { type: 'Valid', reason: 'Rejected', message: /quantities/ });
    const events = async (): Promise<number> =>
      (
        await core.listNamespacedEvent({
          namespace: ns.name,
          fieldSelector: 'involvedObject.name=badres',
        })
      ).items.filter((e) => e.reason === 'Rejected').length;
    const rv = async (): Promise<string | undefined> =>
      (
        (await objects.getNamespacedCustomObject({
          ...fnApi,
          namespace: ns.name,
          name: 'badres',
        })) as FunctionResource
      ).metadata.resourceVersion;
    expect(await eventually(events, { timeoutMs: 10_000 })).toBeGreaterThanOrEqual(1);
    const before = await rv();
    // No hot loop: a while later the reason is written once, its status not rewritten, one Event.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await rv()).toBe(before);
    expect(await events()).toBe(1);
  });

  test("the watchdog's own port is refused by validation, with the reason", async () => {
    const error = (await create(ns.name, functionObject('port8081', { port: 8081 })).catch(
      (e: unknown) => e,
    )) as { code?: number; body?: string };
    expect(error.code).toBe(422);
    expect(String(error.body)).toMatch(/8081/);
  });

  test('an image the node cannot pull: ImagePullBackOff naming the image', async () => {
    await create(ns.name, functionObject('noimage', { image: 'nosuch/image:1' }));
    await expectBroken(ns.name, 'noimage', {
      type: 'Ready',
      reason: 'ImagePullBackOff',
      message: /nosuch\/image:1/,
    });
  });

  test("no node fits: Unschedulable with the scheduler's message", async () => {
    await create(ns.name, functionObject('toobig', { resources: { requests: { cpu: '1000' } } }));
    await expectBroken(ns.name, 'toobig', { type: 'Ready', reason: 'Unschedulable', message: /cpu/i });
  });

  test('a ResourceQuota that refuses the pod: QuotaExceeded', async () => {
    await core.createNamespacedResourceQuota({
      namespace: quotaNs.name,
      body: { metadata: { name: 'no-pods' }, spec: { hard: { pods: '0' } } },
    });
    // The quota controller must have counted usage before admission refuses by it.
    await eventually(
      async () => {
        const q = await core.readNamespacedResourceQuota({ name: 'no-pods', namespace: quotaNs.name });
        expect(q.status?.hard?.['pods']).toBe('0');
      },
      { timeoutMs: 20_000 },
    );
    await create(quotaNs.name, functionObject('quota', {}));
    await expectBroken(quotaNs.name, 'quota', {
      type: 'Ready',
      reason: 'QuotaExceeded',
      message: /quota/i,
    });
  });
});
