// A Deployment scaled 0 → 3 → 0 on the process node: three real processes answer over HTTP, then none.
import { expect, test } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import {
  clusterClients,
  containerPid,
  eventually,
  httpGet,
  isPodReady,
  namespaceForSuite,
} from '../src/testing.js';
import { httpServerDeployment, httpServerPort } from './workloads.js';

const namespace = namespaceForSuite();
const { apps, core } = clusterClients();

async function scale(name: string, replicas: number): Promise<void> {
  await apps.replaceNamespacedDeploymentScale({
    name,
    namespace: namespace.name,
    body: { metadata: { name, namespace: namespace.name }, spec: { replicas } },
  });
}

async function podsOf(app: string): Promise<V1Pod[]> {
  const list = await core.listNamespacedPod({ namespace: namespace.name, labelSelector: `app=${app}` });
  return list.items;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('scales 0 → 3 → 0 with one real process per pod', async () => {
  await apps.createNamespacedDeployment({ namespace: namespace.name, body: httpServerDeployment('web', 0) });

  await scale('web', 3);
  const ready = await eventually(
    async () => {
      const pods = (await podsOf('web')).filter((p) => isPodReady(p) && !p.metadata?.deletionTimestamp);
      expect(pods).toHaveLength(3);
      return pods;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );

  const podIps = ready.map((p) => p.status?.podIP ?? '');
  const pids = ready.map((p) => containerPid(p));
  expect(new Set(podIps).size).toBe(3);
  expect(new Set(pids).size).toBe(3);
  expect(pids.every((pid) => pid !== undefined && isProcessAlive(pid))).toBe(true);
  const answers = await Promise.all(podIps.map((ip) => httpGet(`http://${ip}:${httpServerPort}/`)));
  expect(answers.map((a) => a.body).sort()).toEqual(ready.map((p) => p.metadata?.name).sort());

  await scale('web', 0);
  await eventually(async () => expect(await podsOf('web')).toHaveLength(0), {
    timeoutMs: 60_000,
    intervalMs: 250,
  });
  for (const ip of podIps) await expect(httpGet(`http://${ip}:${httpServerPort}/`)).rejects.toThrow();
  expect(pids.filter((pid) => pid !== undefined && isProcessAlive(pid))).toEqual([]);
}, 150_000);
