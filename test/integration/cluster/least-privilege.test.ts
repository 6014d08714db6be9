// Kubernetes least privilege (issue 11 item 9) on the real control plane, with the controller and gateway under
// their shipped ServiceAccounts: a foreign `fn-NAME` Deployment is reported and left alone, never taken over.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import {
  AuthorizationV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, FUNCTION_PLURAL, type Condition, type FunctionResource } from '@spool/api';
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
  serviceAccountKubeConfig,
  startKubeController,
} from '../../support/spool-cluster.js';

jest.setTimeout(120_000);

const objects = kubeConfig().makeApiClient(CustomObjectsApi);
const { apps } = clusterClients();
const fnApi = { group: API_GROUP, version: API_VERSION, plural: FUNCTION_PLURAL };

let ns: TestNamespace;
let redis: ProductRedis;
let controller: KubeController;

beforeAll(async () => {
  await installSpoolResources();
  ns = await uniqueNamespace();
  redis = await startProductRedis();
  controller = await startKubeController(redis);
});

afterAll(async () => {
  await controller?.close();
  await ns?.cleanup();
  await redis?.stop();
});

const functionObject = (name: string): FunctionResource => ({
  apiVersion: 'spool.dev/v1alpha1',
  kind: 'Function',
  metadata: { name },
  spec: { image: 'spool/example-echo:0.1.0', command: ['node', 'server.mjs'], scale: { min: 0 } },
});

/** A Deployment someone else made, with the name Spool would give the Function's: no Spool label, no owner. */
const foreignDeployment = (name: string): V1Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: `fn-${name}`, labels: { app: 'theirs' } },
  spec: {
    replicas: 0,
    selector: { matchLabels: { app: 'theirs' } },
    template: {
      metadata: { labels: { app: 'theirs' } },
      spec: { containers: [{ name: 'theirs', image: 'example/theirs:1' }] },
    },
  },
});

const validCondition = async (name: string): Promise<Condition | undefined> => {
  const fn = (await objects.getNamespacedCustomObject({
    ...fnApi,
    namespace: ns.name,
    name,
  })) as FunctionResource;
  return fn.status?.conditions?.find((c) => c.type === 'Valid');
};

/** What a takeover would change on a Deployment. */
const shapeOf = (d: V1Deployment): Record<string, unknown> => ({
  owners: d.metadata?.ownerReferences ?? [],
  labels: d.metadata?.labels,
  image: d.spec?.template.spec?.containers[0]?.image,
  replicas: d.spec?.replicas,
  managers: (d.metadata?.managedFields ?? []).map((f) => f.manager).filter((m) => m?.startsWith('spool')),
});

describe('a Deployment the controller does not own', () => {
  test('is reported as Valid=False DeploymentConflict within 30 s, left untouched, and the Function recovers once it is gone', async () => {
    const name = 'taken';
    await apps.createNamespacedDeployment({ namespace: ns.name, body: foreignDeployment(name) });
    await objects.createNamespacedCustomObject({ ...fnApi, namespace: ns.name, body: functionObject(name) });

    const conflict = await eventually(
      async () => {
        const valid = await validCondition(name);
        expect(valid?.reason).toBe('DeploymentConflict');
        return valid;
      },
      { timeoutMs: 30_000 },
    );
    expect({
      status: conflict?.status,
      namesIt: conflict?.message.includes(`${ns.name}/fn-${name}`),
    }).toEqual({
      status: 'False',
      namesIt: true,
    });

    // The reconcile that reported the conflict is the one that used to force-apply: the foreign Deployment is
    // still exactly theirs, with no owner, label, image or field manager of Spool's, and its replicas untouched.
    const after = await apps.readNamespacedDeployment({ name: `fn-${name}`, namespace: ns.name });
    expect(shapeOf(after)).toEqual({
      owners: [],
      labels: { app: 'theirs' },
      image: 'example/theirs:1',
      replicas: 0,
      managers: [],
    });

    await apps.deleteNamespacedDeployment({ name: `fn-${name}`, namespace: ns.name });
    const recovered = await eventually(
      async () => {
        const valid = await validCondition(name);
        expect(valid?.status).toBe('True');
        const d = await apps.readNamespacedDeployment({ name: `fn-${name}`, namespace: ns.name });
        expect(d.metadata?.ownerReferences?.[0]?.kind).toBe('Function');
        return { reason: valid?.reason, owner: d.metadata?.ownerReferences?.[0]?.name };
      },
      { timeoutMs: 30_000 },
    );
    expect(recovered).toEqual({ reason: 'SpecValid', owner: name });
  });

  test('deleting the Function leaves a foreign Deployment in place', async () => {
    const name = 'kept';
    await apps.createNamespacedDeployment({ namespace: ns.name, body: foreignDeployment(name) });
    await objects.createNamespacedCustomObject({ ...fnApi, namespace: ns.name, body: functionObject(name) });
    // An owned Function beside it, deleted after it: once its Deployment is gone, the controller has seen both
    // deletions, and only the controller could remove the foreign one (it has no owner to be collected with).
    await objects.createNamespacedCustomObject({
      ...fnApi,
      namespace: ns.name,
      body: functionObject('control'),
    });
    await eventually(
      async () => {
        expect((await validCondition(name))?.reason).toBe('DeploymentConflict');
        await apps.readNamespacedDeployment({ name: 'fn-control', namespace: ns.name });
      },
      { timeoutMs: 30_000 },
    );
    await objects.deleteNamespacedCustomObject({ ...fnApi, namespace: ns.name, name });
    await objects.deleteNamespacedCustomObject({ ...fnApi, namespace: ns.name, name: 'control' });
    await eventually(
      async () => {
        const gone = await apps.readNamespacedDeployment({ name: 'fn-control', namespace: ns.name }).then(
          () => false,
          () => true,
        );
        expect(gone).toBe(true);
      },
      { timeoutMs: 30_000 },
    );
    const still = await apps.readNamespacedDeployment({ name: `fn-${name}`, namespace: ns.name });
    expect(still.metadata?.labels).toEqual({ app: 'theirs' });
  });
});

describe("the gateway's ServiceAccount", () => {
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

  test('cannot patch a Function, its image included, but can write its scale subresource', async () => {
    const name = 'guarded';
    await objects.createNamespacedCustomObject({ ...fnApi, namespace: ns.name, body: functionObject(name) });
    const kc = await serviceAccountKubeConfig('spool-gateway');
    const asGateway = kc.makeApiClient(CustomObjectsApi);
    const refused = await asGateway
      .patchNamespacedCustomObject(
        { ...fnApi, namespace: ns.name, name, body: { spec: { image: 'attacker/image:1' } } },
        mergePatch,
      )
      .then(
        () => 'patched',
        (error: { code?: number }) => error.code,
      );
    const scaled = await asGateway
      .patchNamespacedCustomObjectScale(
        { ...fnApi, namespace: ns.name, name, body: { spec: { replicas: 1 } } },
        mergePatch,
      )
      .then(
        () => 'scaled',
        (error: { code?: number }) => error.code,
      );
    const fn = (await objects.getNamespacedCustomObject({
      ...fnApi,
      namespace: ns.name,
      name,
    })) as FunctionResource;
    expect({ refused, scaled, image: fn.spec.image }).toEqual({
      refused: 403,
      scaled: 'scaled',
      image: 'spool/example-echo:0.1.0',
    });
    // The controller took the request: one replica, and spec.replicas removed again.
    await eventually(
      async () => {
        const d = await apps.readNamespacedDeployment({ name: `fn-${name}`, namespace: ns.name });
        expect(d.spec?.replicas).toBe(1);
        const now = (await objects.getNamespacedCustomObject({
          ...fnApi,
          namespace: ns.name,
          name,
        })) as FunctionResource;
        expect(now.spec.replicas).toBeUndefined();
      },
      { timeoutMs: 30_000 },
    );
  });

  test.each([
    { verb: 'patch', subresource: '', want: false },
    { verb: 'update', subresource: '', want: false },
    { verb: 'create', subresource: '', want: false },
    { verb: 'delete', subresource: '', want: false },
    { verb: 'patch', subresource: 'scale', want: true },
    { verb: 'update', subresource: 'scale', want: true },
    { verb: 'patch', subresource: 'status', want: false },
    { verb: 'list', subresource: '', want: true },
  ])(
    'may $verb functions/$subresource: $want (SelfSubjectAccessReview)',
    async ({ verb, subresource, want }) => {
      const kc = await serviceAccountKubeConfig('spool-gateway');
      const review = await kc.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({
        body: {
          spec: {
            resourceAttributes: {
              group: API_GROUP,
              resource: FUNCTION_PLURAL,
              subresource,
              verb,
              namespace: ns.name,
            },
          },
        },
      });
      expect(review.status?.allowed).toBe(want);
    },
  );
});
