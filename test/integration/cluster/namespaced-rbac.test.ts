// The chart's `watchNamespaces` shape on the real control plane (issue 11 item 9): controller and gateway run
// under ServiceAccounts that hold Roles in one namespace only, and still reconcile, scale and serve there.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { AuthorizationV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import { API_GROUP, API_VERSION, FUNCTION_PLURAL, type FunctionResource } from '@spool/api';
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
  installNamespacedRbac,
  installSpoolResources,
  serviceAccountKubeConfig,
  startKubeController,
  startKubeGateway,
  type KubeGateway,
} from '../../support/spool-cluster.js';

jest.setTimeout(120_000);

const objects = kubeConfig().makeApiClient(CustomObjectsApi);
const { apps, core } = clusterClients();
const fnApi = { group: API_GROUP, version: API_VERSION, plural: FUNCTION_PLURAL };

let watched: TestNamespace;
let other: TestNamespace;
let redis: ProductRedis;
let rbac: Awaited<ReturnType<typeof installNamespacedRbac>>;
let controller: KubeController;
let gateway: KubeGateway;

beforeAll(async () => {
  await installSpoolResources(); // the CRD
  watched = await uniqueNamespace();
  other = await uniqueNamespace();
  redis = await startProductRedis();
  rbac = await installNamespacedRbac(`scoped-${randomUUID().slice(0, 6)}`, [watched.name]);
  controller = await startKubeController(redis, undefined, {
    serviceAccount: rbac.controller,
    namespaces: [watched.name],
  });
  gateway = await startKubeGateway(redis, [watched.name], rbac.gateway);
});

afterAll(async () => {
  await gateway?.close();
  await controller?.close();
  await rbac?.cleanup();
  await watched?.cleanup();
  await other?.cleanup();
  await redis?.stop();
});

const echo: FunctionResource = {
  apiVersion: 'spool.dev/v1alpha1',
  kind: 'Function',
  metadata: { name: 'echo' },
  spec: { image: 'spool/example-echo:0.1.0', command: ['node', 'server.mjs'], scale: { min: 0 } },
};

describe('namespaced Roles (watchNamespaces)', () => {
  test('the ServiceAccounts may act in the watched namespace only', async () => {
    const may = async (serviceAccount: string, verb: string, resource: string, namespace?: string) => {
      const kc = await serviceAccountKubeConfig(serviceAccount);
      const review = await kc.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({
        body: {
          spec: {
            resourceAttributes: {
              group: { deployments: 'apps', secrets: '' }[resource] ?? API_GROUP,
              resource,
              verb,
              ...(namespace ? { namespace } : {}),
            },
          },
        },
      });
      return review.status?.allowed ?? false;
    };
    expect({
      controllerWatched: await may(rbac.controller, 'create', 'deployments', watched.name),
      controllerOther: await may(rbac.controller, 'create', 'deployments', other.name),
      controllerClusterWide: await may(rbac.controller, 'list', 'functions'),
      // Each Function's Redis password lives in a Secret of its namespace: those rights stop there too.
      controllerSecretsWatched: await may(rbac.controller, 'create', 'secrets', watched.name),
      controllerSecretsOther: await may(rbac.controller, 'get', 'secrets', other.name),
      gatewaySecretsWatched: await may(rbac.gateway, 'get', 'secrets', watched.name),
      gatewayWatched: await may(rbac.gateway, 'list', 'functions', watched.name),
      gatewayOther: await may(rbac.gateway, 'list', 'functions', other.name),
      gatewayClusterWide: await may(rbac.gateway, 'list', 'functions'),
    }).toEqual({
      controllerWatched: true,
      controllerOther: false,
      controllerClusterWide: false,
      controllerSecretsWatched: true,
      controllerSecretsOther: false,
      gatewaySecretsWatched: false,
      gatewayWatched: true,
      gatewayOther: false,
      gatewayClusterWide: false,
    });
  });

  test('a Function in the watched namespace is reconciled, with its own Redis user, scaled on request and served', async () => {
    await objects.createNamespacedCustomObject({ ...fnApi, namespace: watched.name, body: echo });
    await eventually(
      async () => {
        const fn = (await objects.getNamespacedCustomObject({
          ...fnApi,
          namespace: watched.name,
          name: 'echo',
        })) as FunctionResource;
        expect(fn.status?.conditions?.find((c) => c.type === 'Valid')?.reason).toBe('SpecValid');
        expect(fn.status?.conditions?.find((c) => c.type === 'RedisIsolated')?.reason).toBe('OwnRedisUser');
        await apps.readNamespacedDeployment({ name: 'fn-echo', namespace: watched.name });
        await core.readNamespacedSecret({ name: 'fn-echo-redis', namespace: watched.name });
      },
      { timeoutMs: 30_000 },
    );
    const call = await eventually(
      async () => {
        const res = await fetch(`${gateway.url}/function/echo.${watched.name}`, {
          method: 'POST',
          body: 'scoped',
        });
        expect(res.status).toBe(200);
        return res.text();
      },
      { timeoutMs: 60_000 },
    );
    expect(call).toBe('scoped');

    // The gateway's namespaced Role holds functions/scale; the controller's, patch to take the request back.
    const scale = await fetch(`${gateway.url}/system/scale-function/echo.${watched.name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replicas: 2 }),
    });
    expect(scale.status).toBe(202);
    await eventually(
      async () => {
        const d = await apps.readNamespacedDeployment({ name: 'fn-echo', namespace: watched.name });
        expect(d.spec?.replicas).toBe(2);
      },
      { timeoutMs: 30_000 },
    );
  });
});
