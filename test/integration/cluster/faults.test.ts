// Issue 10 item 9 on Kubernetes: a Function's pod deleted mid-call, and its node-side process (the watchdog, the
// container's PID 1) SIGKILLed mid-call, with sync and async calls in flight on two replicas, default lock
// settings. Sync callers are answered 200 (a killed replica's calls re-run on the other, within the bounded
// recovery); async calls all succeed once; nothing is lost. Counted from the count function's execution log.
import { afterAll, afterEach, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CustomObjectsApi, type V1Pod } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, FUNCTION_LABEL, FUNCTION_PLURAL, type FunctionResource } from '@spool/api';
import type { KubeController } from '@spool/controller';
import {
  clusterClients,
  containerPid,
  eventually,
  isPodReady,
  kubeConfig,
  uniqueNamespace,
  type TestNamespace,
} from '../../support/cluster.js';
import { repoRoot } from '../../support/local-functions.js';
import { startProductRedis, type ProductRedis } from '../../support/redis-auth.js';
import {
  installSpoolResources,
  startKubeController,
  startKubeGateway,
  type KubeGateway,
} from '../../support/spool-cluster.js';
import { call, executions, report, tally, type Answer } from '../../faults/support/tally.js';

jest.setTimeout(180_000);

const objects = kubeConfig().makeApiClient(CustomObjectsApi);
const { core } = clusterClients();
const fnApi = { group: API_GROUP, version: API_VERSION, plural: FUNCTION_PLURAL };
const CALL_MS = 3_000;
const EACH = 6;

let ns: TestNamespace;
let redis: ProductRedis;
let controller: KubeController;
let gateway: KubeGateway;
// In the checkout (node_modules/.cache, ignored by git), not in /tmp: a pod's processes see the checkout they
// run from, but not the test's temporary folders.
const cacheDir = join(repoRoot, 'node_modules', '.cache');
mkdirSync(cacheDir, { recursive: true });
const logDir = mkdtempSync(join(cacheDir, 'spool-cluster-faults-'));

/** test/faults/fixtures/count: logs each execution's id to COUNT_LOG, a file on the process node's host. */
const countFunction = (name: string, countLog: string): FunctionResource => ({
  apiVersion: 'spool.dev/v1alpha1',
  kind: 'Function',
  metadata: { name },
  spec: {
    image: 'spool/test-count:0.1.0',
    command: ['node', 'server.mjs'],
    mode: 'http',
    timeoutSeconds: 10,
    concurrency: 32,
    scale: { min: 2, max: 2 },
    env: [{ name: 'COUNT_LOG', value: countLog }],
  },
});

beforeAll(async () => {
  await installSpoolResources();
  ns = await uniqueNamespace();
  redis = await startProductRedis();
  controller = await startKubeController(redis);
  gateway = await startKubeGateway(redis, [ns.name]);
});

afterAll(async () => {
  await gateway?.close();
  await controller?.close();
  await ns?.cleanup();
  await redis?.stop();
  rmSync(logDir, { recursive: true, force: true });
});

const readyPods = async (name: string): Promise<V1Pod[]> =>
  (
    await core.listNamespacedPod({ namespace: ns.name, labelSelector: `${FUNCTION_LABEL}=${name}` })
  ).items.filter((p) => p.metadata?.deletionTimestamp === undefined && isPodReady(p));

interface AsyncCall {
  readonly id: string;
  readonly callId: string;
  readonly token: string;
}

async function asyncState(c: AsyncCall): Promise<string> {
  const response = await fetch(`${gateway.url}/calls/${c.callId}`, { headers: { 'x-call-token': c.token } });
  if (response.status !== 200) return `unreadable (${response.status})`;
  const body: unknown = await response.json();
  return typeof body === 'object' && body !== null && 'state' in body ? String(body.state) : 'unreadable';
}

// Each scenario's Function goes with it, pods and all: the next one gets the node's whole capacity (two
// functions' four pods at once do not fit the test node's CPU).
const created: string[] = [];
afterEach(async () => {
  for (const name of created.splice(0)) {
    await objects.deleteNamespacedCustomObject({ ...fnApi, namespace: ns.name, name });
    await eventually(
      async () => {
        const pods = await core.listNamespacedPod({
          namespace: ns.name,
          labelSelector: `${FUNCTION_LABEL}=${name}`,
        });
        if (pods.items.length > 0) throw new Error(`${pods.items.length} pods of ${name} still there`);
      },
      { timeoutMs: 60_000 },
    );
  }
});

describe.each([
  { fault: 'pod deleted', name: 'deleted' },
  { fault: 'watchdog process SIGKILLed on the node', name: 'killed' },
])('a Function pod, $fault mid-call', ({ fault, name }) => {
  test('sync calls are answered 200 and async calls all succeed once', async () => {
    const countLog = join(logDir, `${name}.log`);
    await objects.createNamespacedCustomObject({
      ...fnApi,
      namespace: ns.name,
      body: countFunction(name, countLog),
    });
    created.push(name);
    await eventually(async () => expect((await readyPods(name)).length).toBe(2), { timeoutMs: 60_000 });
    const fnUrl = `${gateway.url}/function/${name}.${ns.name}`;
    await eventually(
      async () => {
        const warm = await call(`${fnUrl}?id=warm`, 'warm');
        // The whole answer on failure: its code says which part refused.
        expect(`${warm.status} ${warm.code ?? ''}`).toBe('200 ');
      },
      { timeoutMs: 30_000 },
    );

    const asyncCalls: AsyncCall[] = await Promise.all(
      Array.from({ length: EACH }, async (_, i) => {
        const id = `async-${i}`;
        const response = await fetch(
          `${gateway.url}/async-function/${name}.${ns.name}?id=${id}&ms=${CALL_MS}`,
          {
            method: 'POST',
          },
        );
        expect(response.status).toBe(202);
        return {
          id,
          callId: response.headers.get('x-call-id') ?? '',
          token: response.headers.get('x-call-token') ?? '',
        };
      }),
    );
    const syncIds = Array.from({ length: EACH }, (_, i) => `sync-${i}`);
    const syncAnswers: Promise<Answer[]> = Promise.all(
      syncIds.map((id) => call(`${fnUrl}?id=${id}&ms=${CALL_MS}`, id, 120_000)),
    );
    const allIds = [...asyncCalls.map((c) => c.id), ...syncIds];
    await eventually(
      () => expect(allIds.filter((id) => executions(countLog).has(id)).length).toBe(allIds.length),
      {
        timeoutMs: 30_000,
        intervalMs: 50,
      },
    );

    const [victim] = await readyPods(name);
    const faultAt = Date.now();
    if (name === 'deleted') {
      await core.deleteNamespacedPod({ name: victim!.metadata!.name!, namespace: ns.name });
    } else {
      process.kill(containerPid(victim!)!, 'SIGKILL');
    }
    const answers = await syncAnswers;
    const states = await eventually(
      async () => {
        const all = await Promise.all(asyncCalls.map(asyncState));
        expect(all.filter((s) => s !== 'succeeded' && s !== 'failed')).toEqual([]);
        return all;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    const recoverMs = Date.now() - faultAt;
    const runs = executions(countLog);
    const figures = tally(answers, runs);
    const asyncRuns = asyncCalls.map((c) => runs.get(c.id) ?? 0);
    report(`kubernetes: ${fault}, ${EACH} sync + ${EACH} async ?ms=${CALL_MS} calls on 2 replicas`, {
      ...figures,
      sync200: answers.filter((a) => a.status === 200).length,
      asyncSucceeded: states.filter((s) => s === 'succeeded').length,
      asyncRerun: asyncRuns.filter((n) => n > 1).length,
      slowestSyncMs: Math.max(...answers.map((a) => a.ms)),
      recoverMs,
    });
    expect({
      sync: answers.map((a) => a.status),
      async: states,
      lost: figures.lost,
      // A graceful deletion drains the pod's calls: nothing re-runs. A SIGKILLed replica's calls re-run once on the
      // other replica (at-least-once), never more.
      runsPerCall: [...new Set(allIds.map((id) => runs.get(id) ?? 0))].every((n) =>
        name === 'deleted' ? n === 1 : n === 1 || n === 2,
      ),
      // Bounded recovery: the function's timeout plus 10 s after the fault, as issue 10 item 1 states it.
      withinBound: answers.every((a) => a.ms <= 10_000 + 10_000 + CALL_MS),
    }).toEqual({
      sync: syncIds.map(() => 200),
      async: asyncCalls.map(() => 'succeeded'),
      lost: 0,
      runsPerCall: true,
      withinBound: true,
    });
  });
});
