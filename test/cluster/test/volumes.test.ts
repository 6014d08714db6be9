// Volumes on the process node: an emptyDir two containers share, Secret and ConfigMap files, and Redis
// in a StatefulSet whose claim binds to a static hostPath PV, keeping its data across a pod's replacement.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, test } from '@jest/globals';
import type { V1Container, V1Pod, V1VolumeMount } from '@kubernetes/client-node';
import {
  clusterClients,
  createReservedHostPathVolume,
  eventually,
  kubectl,
  namespaceForSuite,
  readyPod,
} from '../src/testing.js';

const execFileAsync = promisify(execFile);
const namespace = namespaceForSuite();
const { apps, core } = clusterClients();
const waitLong = { timeoutMs: 60_000, intervalMs: 250 };

function shell(name: string, script: string, volumeMounts: V1VolumeMount[]): V1Container {
  return { name, image: 'spool-test/shell', args: [script], volumeMounts };
}

async function logsOf(pod: string, container: string): Promise<string> {
  return kubectl(['logs', '-n', namespace.name, pod, '-c', container]);
}

test('two containers share an emptyDir; a read-only mount of it refuses writes', async () => {
  const ns = namespace.name;
  const pod: V1Pod = {
    metadata: { name: 'shared' },
    spec: {
      terminationGracePeriodSeconds: 1,
      volumes: [{ name: 'scratch', emptyDir: {} }],
      containers: [
        shell('writer', 'echo "from $HOSTNAME" > /tmp/spool-test/out/note && sleep infinity', [
          { name: 'scratch', mountPath: '/tmp/spool-test/out' },
        ]),
        shell(
          'reader',
          'until [ -f /tmp/spool-test/in/note ]; do sleep 0.2; done; cat /tmp/spool-test/in/note; ' +
            'touch /tmp/spool-test/in/mine 2>/dev/null || echo "write refused"; sleep infinity',
          [{ name: 'scratch', mountPath: '/tmp/spool-test/in', readOnly: true }],
        ),
      ],
    },
  };
  await core.createNamespacedPod({ namespace: ns, body: pod });
  await eventually(async () => {
    expect(await logsOf('shared', 'reader')).toBe('from shared\nwrite refused\n');
  }, waitLong);
}, 90_000);

test('Secret and ConfigMap volumes: keys as files, items at their paths and modes, a subPath file', async () => {
  const ns = namespace.name;
  await core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: 'creds' }, stringData: { token: 's3cret', unused: 'x' } },
  });
  await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'settings' }, data: { 'app.conf': 'port=8080', 'log.conf': 'level=debug' } },
  });
  const script = [
    'cat /tmp/spool-test/creds/nested/token; echo',
    'stat -c %a /tmp/spool-test/creds/nested/token',
    'ls /tmp/spool-test/creds',
    'cat /tmp/spool-test/settings/log.conf; echo',
    'stat -c %a /tmp/spool-test/settings/app.conf',
    'cat /tmp/spool-test/app.conf; echo',
    'sleep infinity',
  ].join('; ');
  await core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name: 'configured' },
      spec: {
        terminationGracePeriodSeconds: 1,
        volumes: [
          {
            name: 'creds',
            secret: { secretName: 'creds', items: [{ key: 'token', path: 'nested/token', mode: 0o400 }] },
          },
          { name: 'settings', configMap: { name: 'settings', defaultMode: 0o640 } },
          { name: 'absent', configMap: { name: 'no-such-config-map', optional: true } },
        ],
        containers: [
          shell('main', script, [
            { name: 'creds', mountPath: '/tmp/spool-test/creds' },
            { name: 'settings', mountPath: '/tmp/spool-test/settings' },
            { name: 'settings', mountPath: '/tmp/spool-test/app.conf', subPath: 'app.conf' },
            { name: 'absent', mountPath: '/tmp/spool-test/absent' },
          ]),
        ],
      },
    },
  });
  await eventually(async () => {
    expect(await logsOf('configured', 'main')).toBe(
      ['s3cret', '400', 'nested', 'level=debug', '640', 'port=8080', ''].join('\n'),
    );
  }, waitLong);
}, 90_000);

test('a hostPath mounted inside an emptyDir over /tmp, though the hostPath itself lies in /tmp', async () => {
  const ns = namespace.name;
  const hostDir = mkdtempSync(join(tmpdir(), 'spool-host-path-'));
  writeFileSync(join(hostDir, 'greeting'), 'hello from the host');
  try {
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'nested' },
        spec: {
          terminationGracePeriodSeconds: 1,
          volumes: [
            { name: 'tmp', emptyDir: {} },
            { name: 'host', hostPath: { path: hostDir, type: 'Directory' } },
          ],
          containers: [
            // Spec order puts the child first: the node mounts parents first regardless.
            // The machine's /tmp (which holds hostDir) must be covered by the emptyDir. Not `ls /tmp`: the
            // node binds the checkout back when it lies in /tmp, as the images run from it.
            shell(
              'main',
              `cat /tmp/host/greeting; echo; [ -e /tmp/${basename(hostDir)} ] && echo machine-tmp || echo emptyDir; sleep infinity`,
              [
                { name: 'host', mountPath: '/tmp/host', readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            ),
          ],
        },
      },
    });
    await eventually(async () => {
      expect(await logsOf('nested', 'main')).toBe('hello from the host\nemptyDir\n');
    }, waitLong);
  } finally {
    rmSync(hostDir, { recursive: true, force: true });
  }
}, 90_000);

// A static PV, as an administrator provisions one: the test cluster has no StorageClass.
const redisData = mkdtempSync(join(tmpdir(), 'spool-redis-pv-'));
let redisVolume: string | undefined;
afterAll(async () => {
  if (!redisVolume) return;
  // After the suite namespace's deletion (an earlier afterAll): Redis must be gone before its
  // directory is, as it refuses to exit when it cannot write its files.
  await eventually(async () => {
    const gone = await core.readNamespacedPod({ name: 'redis-0', namespace: namespace.name }).then(
      () => false,
      () => true,
    );
    if (!gone) throw new Error('redis-0 still runs');
  }, waitLong);
  await core.deletePersistentVolume({ name: redisVolume });
  rmSync(redisData, { recursive: true, force: true });
}, 90_000);

async function redisCli(host: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('redis-cli', ['-h', host, '-p', '6379', ...args]);
  return stdout.trim();
}

const readyRedisPod = (replacing?: string): Promise<V1Pod> => readyPod(namespace.name, 'redis-0', replacing);

test('Redis in a StatefulSet keeps its data on a claim bound to a hostPath PV when its pod is replaced', async () => {
  const ns = namespace.name;
  redisVolume = `${ns}-redis`;
  await createReservedHostPathVolume(redisVolume, redisData, { namespace: ns, name: 'data-redis-0' });
  const labels = { app: 'redis' };
  await apps.createNamespacedStatefulSet({
    namespace: ns,
    body: {
      metadata: { name: 'redis' },
      spec: {
        serviceName: 'redis',
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            terminationGracePeriodSeconds: 10,
            containers: [
              {
                name: 'redis',
                image: 'redis:7.2-bookworm',
                args: [
                  'redis-server',
                  '--port',
                  '6379',
                  '--appendonly',
                  'yes',
                  '--dir',
                  '/data',
                  '--protected-mode',
                  'no',
                  // As the chart: no RDB snapshots, so what survives is the append-only file.
                  '--save',
                  '',
                ],
                ports: [{ name: 'redis', containerPort: 6379 }],
                readinessProbe: { tcpSocket: { port: 'redis' }, periodSeconds: 1 },
                volumeMounts: [{ name: 'data', mountPath: '/data' }],
              },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        ],
      },
    },
  });

  const first = await readyRedisPod();
  const firstIp = first.status?.podIP ?? '';
  expect(await redisCli(firstIp, 'SET', 'greeting', 'kept')).toBe('OK');
  // The append-only file is in the PV's directory on the host, not in the node's own /data.
  await eventually(() => expect(existsSync(join(redisData, 'appendonlydir'))).toBe(true), waitLong);

  await core.deleteNamespacedPod({ name: 'redis-0', namespace: ns });
  const second = await readyRedisPod(first.metadata?.uid);
  expect(await redisCli(second.status?.podIP ?? '', 'GET', 'greeting')).toBe('kept');
}, 150_000);
