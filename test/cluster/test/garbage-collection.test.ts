// Deleting a Deployment: the real garbage collector removes its ReplicaSet and Pods, and the node stops their processes.
import { expect, test } from '@jest/globals';
import { clusterClients, eventually, httpGet, isPodReady, namespaceForSuite } from '../src/testing.js';
import { httpServerDeployment, httpServerPort } from './workloads.js';

const namespace = namespaceForSuite();
const { apps, core } = clusterClients();

test('ReplicaSet and Pods are garbage-collected when their Deployment is deleted', async () => {
  await apps.createNamespacedDeployment({
    namespace: namespace.name,
    body: httpServerDeployment('doomed', 2),
  });
  const podIps = await eventually(
    async () => {
      const replicaSets = await apps.listNamespacedReplicaSet({
        namespace: namespace.name,
        labelSelector: 'app=doomed',
      });
      expect(replicaSets.items).toHaveLength(1);
      expect(replicaSets.items[0]?.metadata?.ownerReferences?.[0]?.kind).toBe('Deployment');
      const pods = await core.listNamespacedPod({ namespace: namespace.name, labelSelector: 'app=doomed' });
      expect(pods.items.filter(isPodReady)).toHaveLength(2);
      return pods.items.map((p) => p.status?.podIP ?? '');
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );

  // The API's default propagation for Deployments is Background: the garbage collector does the rest.
  await apps.deleteNamespacedDeployment({ name: 'doomed', namespace: namespace.name });

  await eventually(
    async () => {
      const replicaSets = await apps.listNamespacedReplicaSet({ namespace: namespace.name });
      const pods = await core.listNamespacedPod({ namespace: namespace.name });
      expect(replicaSets.items).toEqual([]);
      expect(pods.items).toEqual([]);
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  for (const ip of podIps) await expect(httpGet(`http://${ip}:${httpServerPort}/`)).rejects.toThrow();
}, 150_000);
