// The process node's pod lifecycle: restarts per restartPolicy, env from Secrets, logs through `kubectl logs`.
import { expect, test } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import {
  clusterClients,
  eventually,
  httpGet,
  isPodReady,
  kubectl,
  namespaceForSuite,
} from '../src/testing.js';
import { httpServerContainer, httpServerPort } from './workloads.js';

const namespace = namespaceForSuite();
const { core } = clusterClients();

function exitingPod(name: string, restartPolicy: 'Always' | 'Never'): V1Pod {
  return {
    metadata: { name },
    spec: {
      restartPolicy,
      containers: [
        { name: 'main', image: 'spool-test/shell', command: ['/bin/sh', '-c', 'echo bye; exit 3'] },
      ],
    },
  };
}

test('an exiting container is restarted under restartPolicy Always and fails the pod under Never', async () => {
  const ns = namespace.name;
  await core.createNamespacedPod({ namespace: ns, body: exitingPod('always', 'Always') });
  await core.createNamespacedPod({ namespace: ns, body: exitingPod('never', 'Never') });
  await eventually(
    async () => {
      const always = await core.readNamespacedPod({ name: 'always', namespace: ns });
      expect(always.status?.containerStatuses?.[0]).toMatchObject({
        restartCount: expect.any(Number),
        lastState: { terminated: { exitCode: 3 } },
      });
      expect(always.status?.containerStatuses?.[0]?.restartCount).toBeGreaterThanOrEqual(2);
      const never = await core.readNamespacedPod({ name: 'never', namespace: ns });
      expect(never.status).toMatchObject({
        phase: 'Failed',
        containerStatuses: [{ state: { terminated: { exitCode: 3 } } }],
      });
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
}, 90_000);

test('env comes from a Secret the pod references, and its output from kubectl logs', async () => {
  const ns = namespace.name;
  await core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: 'creds' }, stringData: { token: 's3cret' } },
  });
  const container = httpServerContainer();
  container.env = [
    ...(container.env ?? []),
    { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
  ];
  await core.createNamespacedPod({
    namespace: ns,
    body: { metadata: { name: 'with-secret' }, spec: { containers: [container] } },
  });
  const podIp = await eventually(
    async () => {
      const pod = await core.readNamespacedPod({ name: 'with-secret', namespace: ns });
      expect(isPodReady(pod)).toBe(true);
      return pod.status?.podIP ?? '';
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  expect((await httpGet(`http://${podIp}:${httpServerPort}/env?name=API_TOKEN`)).body).toBe('s3cret');
  expect(await kubectl(['logs', '-n', ns, 'with-secret'])).toContain(
    `with-secret listening on ${podIp}:${httpServerPort}`,
  );
}, 90_000);
