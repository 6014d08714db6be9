// The whole install path on the real control plane: `helm install` the chart (its pods run under their own
// ServiceAccounts, so a missing RBAC rule fails here), apply the example Functions, call them through the
// gateway's Service, scale to zero and back, `helm upgrade` with changed values, and `helm uninstall`
// leaving nothing of Spool behind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { Redis } from 'ioredis';
import {
  clusterClients,
  eventually,
  helm,
  createReservedHostPathVolume,
  readyPod,
  kubectl,
  uniqueNamespace,
  type TestNamespace,
} from '../../support/cluster.js';
import { repoRoot } from '../../support/local-functions.js';
import { KEY_PREFIX, REDIS_SECRET_KEY, functionUserName, queueName, redisSecretName } from '@spool/api';

jest.setTimeout(240_000);

const RELEASE = 'spool-e2e';
const chart = join(repoRoot, 'charts/spool');
const examples = join(repoRoot, 'deploy/examples/functions.yaml');
const { core, apps, rbac } = clusterClients();

let helmHome: string;
let system: TestNamespace;
let team: TestNamespace;
let redisVolume: { name: string; dir: string };
let gatewayUrl: string;

/** The Redis claim binds to this PV: the test cluster has no StorageClass. */
async function createRedisVolume(namespace: string): Promise<{ name: string; dir: string }> {
  const volume = { name: `${namespace}-redis`, dir: mkdtempSync(join(tmpdir(), 'spool-e2e-redis-')) };
  await createReservedHostPathVolume(
    volume.name,
    volume.dir,
    { namespace, name: `data-${RELEASE}-redis-0` },
    '8Gi',
  );
  return volume;
}

const helmIn = (args: readonly string[]): Promise<string> =>
  helm([...args, '--namespace', system.name], helmHome);

async function call(fn: string, body: string, path = 'function'): Promise<{ status: number; text: string }> {
  const res = await fetch(`${gatewayUrl}/${path}/${fn}.${team.name}`, { method: 'POST', body });
  return { status: res.status, text: await res.text() };
}

/** Calls until 200: the first call to a function may find no gateway endpoint ready yet. */
const callOk = (fn: string, body: string): Promise<string> =>
  eventually(
    async () => {
      const answer = await call(fn, body);
      if (answer.status !== 200) throw new Error(`${fn}: ${answer.status} ${answer.text}`);
      return answer.text;
    },
    { timeoutMs: 60_000 },
  );

async function adminToken(): Promise<string> {
  const secret = await core.readNamespacedSecret({ name: `${RELEASE}-admin-token`, namespace: system.name });
  return Buffer.from(secret.data?.['token'] ?? '', 'base64').toString('utf8');
}

async function redisPassword(key: 'admin' | 'controller' | 'gateway'): Promise<string> {
  const secret = await core.readNamespacedSecret({ name: `${RELEASE}-redis-auth`, namespace: system.name });
  return Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');
}

async function redisUrl(): Promise<string> {
  const service = await core.readNamespacedService({ name: `${RELEASE}-redis`, namespace: system.name });
  return `redis://${service.spec?.clusterIP}:6379`;
}

/** One try per command and no reconnect loop: a refusal is the answer under test. */
const quietRedis = (url: string, auth: { username?: string; password?: string } = {}): Redis =>
  new Redis(url, { ...auth, maxRetriesPerRequest: 0, retryStrategy: () => null }).on(
    'error',
    () => undefined,
  );

async function functionReplicas(fn: string): Promise<number | undefined> {
  const deployment = await apps.readNamespacedDeployment({ name: `fn-${fn}`, namespace: team.name });
  return deployment.spec?.replicas;
}

beforeAll(async () => {
  helmHome = mkdtempSync(join(tmpdir(), 'spool-helm-'));
  system = await uniqueNamespace('spool-e2e');
  team = await uniqueNamespace('team');
  redisVolume = await createRedisVolume(system.name);
});

afterAll(async () => {
  await helmIn(['uninstall', RELEASE, '--wait']).catch(() => undefined);
  await team?.cleanup();
  await system?.cleanup();
  if (redisVolume) await core.deletePersistentVolume({ name: redisVolume.name }).catch(() => undefined);
  if (redisVolume) rmSync(redisVolume.dir, { recursive: true, force: true });
  rmSync(helmHome, { recursive: true, force: true });
});

describe('helm install → functions → scale to zero → upgrade → uninstall', () => {
  test('helm install brings up the gateway, two controllers and Redis on its claim', async () => {
    await helmIn([
      'install',
      RELEASE,
      chart,
      '--set',
      `gateway.namespaces={${team.name}}`,
      '--set',
      'controller.leaseDurationSeconds=4',
      '--wait',
      '--timeout',
      '180s',
    ]);
    const deployments = await apps.listNamespacedDeployment({ namespace: system.name });
    expect(deployments.items.map((d) => [d.metadata?.name, d.status?.readyReplicas]).sort()).toEqual([
      [`${RELEASE}-controller`, 2],
      [`${RELEASE}-gateway`, 2],
    ]);
    const claim = await core.readNamespacedPersistentVolumeClaim({
      name: `data-${RELEASE}-redis-0`,
      namespace: system.name,
    });
    expect(claim.status?.phase).toBe('Bound');
    const service = await core.readNamespacedService({ name: `${RELEASE}-gateway`, namespace: system.name });
    gatewayUrl = `http://${service.spec?.clusterIP}:8080`;
    // One controller leads; the Lease names one of the two pods.
    const lease = await eventually(
      () =>
        kubectl([
          '-n',
          system.name,
          'get',
          'lease',
          `${RELEASE}-controller`,
          '-o',
          'jsonpath={.spec.holderIdentity}',
        ]),
      { timeoutMs: 30_000 },
    );
    expect(lease).toMatch(new RegExp(`^${RELEASE}-controller-`));
  });

  test('the example Functions answer through the gateway Service', async () => {
    await kubectl(['apply', '-n', team.name, '-f', examples]);
    expect(await callOk('echo', 'hello from helm')).toBe('hello from helm');
    expect((await callOk('wc', 'four')).trim()).toBe('4');
    expect(await call('nope', '')).toMatchObject({ status: 404 });
    const listed = await fetch(`${gatewayUrl}/system/functions?namespace=${team.name}`, {
      headers: { authorization: `Bearer ${await adminToken()}` },
    });
    expect(listed.status).toBe(200);
    const names = ((await listed.json()) as { name: string }[]).map((fn) => fn.name).sort();
    expect(names).toEqual(['echo', 'sleep', 'wc']);
    expect((await fetch(`${gatewayUrl}/system/functions`)).status).toBe(401);
  });

  test('Redis requires a password, and each function reaches only its own keys', async () => {
    const url = await redisUrl();
    const anonymous = quietRedis(url);
    await expect(anonymous.ping()).rejects.toThrow(/NOAUTH/);
    anonymous.disconnect();
    // The controller turned the default user off once Spool's own users existed.
    const asDefault = quietRedis(url, { username: 'default', password: await redisPassword('admin') });
    await expect(asDefault.ping()).rejects.toThrow(/WRONGPASS|disabled/);
    asDefault.disconnect();

    const echo = { namespace: team.name, name: 'echo' };
    const status = await kubectl([
      'get', 'function', 'echo', '-n', team.name,
      '-o', 'jsonpath={.status.conditions[?(@.type=="RedisIsolated")].status}',
    ]); // prettier-ignore
    expect(status).toBe('True');
    const secret = await core.readNamespacedSecret({ name: redisSecretName(echo), namespace: team.name });
    expect(secret.metadata?.ownerReferences?.map((o) => `${o.kind}/${o.name}`)).toEqual(['Function/echo']);
    const password = Buffer.from(secret.data?.[REDIS_SECRET_KEY] ?? '', 'base64').toString('utf8');
    const asEcho = quietRedis(url, { username: functionUserName(echo), password });
    try {
      expect(await asEcho.exists(`${KEY_PREFIX}:${queueName(echo)}:meta`)).toBeGreaterThanOrEqual(0);
      const wc = { namespace: team.name, name: 'wc' };
      await expect(asEcho.hgetall(`${KEY_PREFIX}:${queueName(wc)}:meta`)).rejects.toThrow(/NOPERM/);
      await expect(asEcho.keys('*')).rejects.toThrow(/NOPERM/);
      await expect(asEcho.publish(`${KEY_PREFIX}:events:scaled`, 'x')).rejects.toThrow(/NOPERM/);
    } finally {
      asEcho.disconnect();
    }
  });

  test('a Redis restart keeps its data (append-only file on the claim), and Spool sets its users up again', async () => {
    const controller = { username: 'spool-controller', password: await redisPassword('controller') };
    const url = await redisUrl();
    const probeKey = `${KEY_PREFIX}:{${RELEASE}}:probe`;
    const before = quietRedis(url, controller);
    await before.set(probeKey, 'kept');
    await before.quit();
    const redisPod = `${RELEASE}-redis-0`;
    const { metadata } = await core.readNamespacedPod({ name: redisPod, namespace: system.name });
    await core.deleteNamespacedPod({ name: redisPod, namespace: system.name });
    // The StatefulSet brings back `-0` on the same claim. Its ACL users are gone with the process: the
    // controller, refused, applies them again with the default user's password, then turns it off.
    await readyPod(system.name, redisPod, metadata?.uid);
    const kept = await eventually(
      async () => {
        const after = quietRedis(url, controller);
        try {
          return await after.get(probeKey);
        } finally {
          after.disconnect();
        }
      },
      { timeoutMs: 60_000 },
    );
    expect(kept).toBe('kept');
    // Function users come back with the controller's next pass over every function.
    expect(await callOk('echo', 'after a Redis restart')).toBe('after a Redis restart');
  });

  test('an idle function scales to zero, and the next call wakes it', async () => {
    await kubectl([
      'patch',
      'function',
      'echo',
      '-n',
      team.name,
      '--type=merge',
      '-p',
      '{"spec":{"scale":{"idleSeconds":2}}}',
    ]);
    await eventually(async () => expect(await functionReplicas('echo')).toBe(0), { timeoutMs: 60_000 });
    await eventually(
      async () =>
        expect(
          (await core.listNamespacedPod({ namespace: team.name, labelSelector: 'spool.dev/function=echo' }))
            .items,
        ).toHaveLength(0),
      { timeoutMs: 60_000 },
    );
    const woken = await call('echo', 'wake up');
    expect(woken).toEqual({ status: 200, text: 'wake up' });
  });

  test('helm upgrade applies changed values and keeps the admin token and the Redis passwords', async () => {
    const tokenBefore = await adminToken();
    const redisBefore = await redisPassword('admin');
    await helmIn([
      'upgrade',
      RELEASE,
      chart,
      '--reuse-values',
      '--set',
      'gateway.replicas=1',
      '--set',
      'controller.scaleIntervalMs=250',
      '--wait',
      '--timeout',
      '180s',
    ]);
    const gateway = await apps.readNamespacedDeployment({
      name: `${RELEASE}-gateway`,
      namespace: system.name,
    });
    expect(gateway.spec?.replicas).toBe(1);
    const controller = await apps.readNamespacedDeployment({
      name: `${RELEASE}-controller`,
      namespace: system.name,
    });
    const env = controller.spec?.template.spec?.containers[0]?.env ?? [];
    expect(env.find((e) => e.name === 'SPOOL_SCALE_INTERVAL_MS')?.value).toBe('250');
    expect(await adminToken()).toBe(tokenBefore);
    expect(await redisPassword('admin')).toBe(redisBefore);
    // A single gateway has no disruption budget: minAvailable 1 of 1 would block every node drain.
    const budgets = await kubectl(['get', 'poddisruptionbudgets', '-n', system.name, '-o', 'name']);
    expect(budgets.trim().split('\n')).toEqual([`poddisruptionbudget.policy/${RELEASE}-controller`]);
    // The reused values still hold: the gateway serves the team's namespace, through the new pods.
    expect(await callOk('echo', 'after upgrade')).toBe('after upgrade');
  });

  test('helm uninstall leaves no Spool object behind', async () => {
    // The application team removes its Functions while the controller still runs, so their queues go too.
    await kubectl(['delete', '-n', team.name, '-f', examples, '--wait']);
    await eventually(
      async () =>
        expect((await apps.listNamespacedDeployment({ namespace: team.name })).items).toHaveLength(0),
      { timeoutMs: 60_000 },
    );
    await helmIn(['uninstall', RELEASE, '--wait', '--timeout', '120s']);

    // Everything listable in Spool's namespace, but what Kubernetes itself puts in every namespace and the
    // Lease the controller took at run time (it goes with the namespace).
    const kinds = (await kubectl(['api-resources', '--verbs=list', '--namespaced', '-o', 'name']))
      .split('\n')
      .filter((kind) => kind && !kind.startsWith('events'));
    const left = await eventually(
      async () => {
        const names = (
          await kubectl(['get', kinds.join(','), '-n', system.name, '-o', 'name', '--ignore-not-found'])
        )
          .split('\n')
          .filter(Boolean)
          .filter((name) => !['serviceaccount/default', 'configmap/kube-root-ca.crt'].includes(name));
        expect(names).toEqual([`lease.coordination.k8s.io/${RELEASE}-controller`]);
        return names;
      },
      { timeoutMs: 90_000 },
    );
    expect(left).toHaveLength(1);
    const clusterRoles = await rbac.listClusterRole({
      labelSelector: `app.kubernetes.io/instance=${RELEASE}`,
    });
    const bindings = await rbac.listClusterRoleBinding({
      labelSelector: `app.kubernetes.io/instance=${RELEASE}`,
    });
    expect([...clusterRoles.items, ...bindings.items]).toHaveLength(0);
    // The claim went with the StatefulSet (deleteOnUninstall), so its PV is released.
    await eventually(
      async () =>
        expect((await core.readPersistentVolume({ name: redisVolume.name })).status?.phase).toBe('Released'),
      { timeoutMs: 60_000 },
    );
  });
});
