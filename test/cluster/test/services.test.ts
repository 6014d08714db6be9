// Pods reach a Service by name and through *_SERVICE_HOST/PORT, routed to its ready pods.
import { expect, test } from '@jest/globals';
import { clusterClients, eventually, httpGet, isPodReady, namespaceForSuite } from '../src/testing.js';
import { httpServerDeployment, httpServerPod, httpServerPort } from './workloads.js';

const namespace = namespaceForSuite();
const { apps, core } = clusterClients();

test('a pod reaches a ClusterIP Service by name and by env vars', async () => {
  const ns = namespace.name;
  await apps.createNamespacedDeployment({ namespace: ns, body: httpServerDeployment('backend', 2) });
  const service = await core.createNamespacedService({
    namespace: ns,
    body: {
      metadata: { name: 'backend' },
      spec: { selector: { app: 'backend' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] },
    },
  });
  const clusterIp = service.spec?.clusterIP ?? '';
  // Created after the Service, so the kubelet-style env vars include it.
  await core.createNamespacedPod({ namespace: ns, body: httpServerPod('client') });

  const backendNames = await eventually(
    async () => {
      const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=backend' });
      expect(pods.items.filter(isPodReady)).toHaveLength(2);
      return pods.items.map((p) => p.metadata?.name);
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  const clientIp = await eventually(
    async () => {
      const pod = await core.readNamespacedPod({ name: 'client', namespace: ns });
      expect(isPodReady(pod)).toBe(true);
      return pod.status?.podIP ?? '';
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  const fromClient = async (path: string): Promise<string> =>
    (await httpGet(`http://${clientIp}:${httpServerPort}${path}`, 10_000)).body;

  expect(await fromClient('/env?name=BACKEND_SERVICE_HOST')).toBe(clusterIp);
  expect(await fromClient('/env?name=BACKEND_SERVICE_PORT')).toBe('80');
  for (const host of ['backend', `backend.${ns}`, `backend.${ns}.svc.cluster.local`, clusterIp]) {
    const fetched = JSON.parse(await fromClient(`/fetch?url=${encodeURIComponent(`http://${host}/`)}`)) as {
      status: number;
      body: string;
    };
    expect(fetched.status).toBe(200);
    expect(backendNames).toContain(fetched.body);
  }
}, 150_000);

test('the kubernetes Service leads pods to the API server, as in-cluster clients expect', async () => {
  const ns = namespace.name;
  await core.createNamespacedPod({ namespace: ns, body: httpServerPod('in-cluster') });
  const podIp = await eventually(
    async () => {
      const pod = await core.readNamespacedPod({ name: 'in-cluster', namespace: ns });
      expect(isPodReady(pod)).toBe(true);
      return pod.status?.podIP ?? '';
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  // By name through the pod's hosts file, and by KUBERNETES_SERVICE_HOST; the default SA may read /version.
  for (const query of ['path=/version&host=kubernetes.default.svc', 'path=/version']) {
    const answer = await httpGet(`http://${podIp}:${httpServerPort}/api?${query}`, 10_000);
    expect(JSON.parse(answer.body)).toEqual({ status: 200 });
  }
}, 120_000);
