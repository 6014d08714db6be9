// RBAC is real: a pod talks to the API server as its ServiceAccount and gets 403 for what its Role does not grant.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import {
  clusterClients,
  eventually,
  httpGet,
  isPodReady,
  kubectl,
  uniqueNamespace,
  type TestNamespace,
} from '../src/testing.js';
import { httpServerPod, httpServerPort } from './workloads.js';

let namespace: TestNamespace;
const { core, rbac } = clusterClients();

beforeAll(async () => {
  namespace = await uniqueNamespace();
  const ns = namespace.name;
  // May read ConfigMaps, nothing else.
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'reader' } } });
  await rbac.createNamespacedRole({
    namespace: ns,
    body: {
      metadata: { name: 'configmap-reader' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: ns,
    body: {
      metadata: { name: 'reader-reads-configmaps' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmap-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }],
    },
  });
});

afterAll(async () => {
  await namespace.cleanup();
});

test('kubectl auth can-i answers from the RBAC rules', async () => {
  const as = `--as=system:serviceaccount:${namespace.name}:reader`;
  const ask = (verb: string, resource: string): Promise<string> =>
    kubectl(['auth', 'can-i', verb, resource, '-n', namespace.name, as]).catch(
      (error: Error) => error.message,
    );
  expect((await ask('list', 'configmaps')).trim()).toBe('yes');
  expect(await ask('list', 'secrets')).toMatch(/\bno\b/);
}, 30_000);

test('a pod whose ServiceAccount lacks a permission gets 403 from the API server', async () => {
  const ns = namespace.name;
  await core.createNamespacedPod({ namespace: ns, body: httpServerPod('reader', 'reader') });
  const podIp = await eventually(
    async () => {
      const pod = await core.readNamespacedPod({ name: 'reader', namespace: ns });
      expect(isPodReady(pod)).toBe(true);
      return pod.status?.podIP ?? '';
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  const askApi = async (path: string): Promise<number> => {
    const answer = await httpGet(
      `http://${podIp}:${httpServerPort}/api?path=${encodeURIComponent(path)}`,
      10_000,
    );
    return (JSON.parse(answer.body) as { status: number }).status;
  };
  expect(await askApi(`/api/v1/namespaces/${ns}/configmaps`)).toBe(200);
  expect(await askApi(`/api/v1/namespaces/${ns}/secrets`)).toBe(403);
}, 120_000);
