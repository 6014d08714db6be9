// faas-cli's deploy, update, remove and logs in Kubernetes mode on the real control plane (issue 13 items 4, 5, 8):
// the gateway under the chart's RBAC with gateway.deployFunctions and gateway.functionLogs server-side applies the
// Function (field manager spool-gateway), the controller serves it, and /system/logs reads its pods' logs; under
// the default RBAC the same routes are 403 RBAC_FORBIDDEN.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import { API_GROUP, API_VERSION, FUNCTION_PLURAL, type FunctionResource } from '@spool/api';
import type { KubeController } from '@spool/controller';
import { eventually, kubeConfig, uniqueNamespace, type TestNamespace } from '../../support/cluster.js';
import { startProductRedis, type ProductRedis } from '../../support/redis-auth.js';
import {
  installNamespacedRbac,
  installSpoolResources,
  startKubeController,
  startKubeGateway,
  type KubeGateway,
} from '../../support/spool-cluster.js';

jest.setTimeout(180_000);

const objects = kubeConfig().makeApiClient(CustomObjectsApi);
const fnApi = { group: API_GROUP, version: API_VERSION, plural: FUNCTION_PLURAL };

let ns: TestNamespace;
let redis: ProductRedis;
let rbac: Awaited<ReturnType<typeof installNamespacedRbac>>;
let controller: KubeController;
let gateway: KubeGateway;
let plainGateway: KubeGateway;

beforeAll(async () => {
  await installSpoolResources(); // the CRD, and the default RBAC (no Function writes, no logs) as spool-gateway
  ns = await uniqueNamespace();
  redis = await startProductRedis();
  rbac = await installNamespacedRbac(`openfaas-${randomUUID().slice(0, 6)}`, [ns.name], {
    'gateway.deployFunctions': 'true',
    'gateway.functionLogs': 'true',
  });
  controller = await startKubeController(redis, undefined, {
    serviceAccount: rbac.controller,
    namespaces: [ns.name],
  });
  // The suite's namespace is the default one, so faas-cli's openfaas-fn reaches it.
  const env = { SPOOL_DEFAULT_NAMESPACE: ns.name };
  gateway = await startKubeGateway(redis, [ns.name], rbac.gateway, env);
  plainGateway = await startKubeGateway(redis, [ns.name], 'spool-gateway', env);
});

afterAll(async () => {
  await plainGateway?.close();
  await gateway?.close();
  await controller?.close();
  await rbac?.cleanup();
  await ns?.cleanup();
  await redis?.stop();
});

/** faas-cli deploy's body for the example echo function (its image is in the process node's table). */
const deployment = (changes: Record<string, unknown> = {}): Record<string, unknown> => ({
  service: 'echo',
  image: 'spool/example-echo:0.1.0',
  namespace: 'openfaas-fn',
  envProcess: 'node server.mjs',
  envVars: { GREETING: 'one' },
  labels: { tier: 'web' },
  annotations: { 'com.openfaas.scale.min': '1', 'com.openfaas.scale.max': '2' },
  ...changes,
});

const system = (gw: KubeGateway, method: string, body: unknown): Promise<Response> =>
  fetch(`${gw.url}/system/functions`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const readFunction = async (
  name = 'echo',
): Promise<(FunctionResource & { metadata: Record<string, unknown> }) | 404> =>
  (
    objects.getNamespacedCustomObject({ ...fnApi, namespace: ns.name, name }) as Promise<
      FunctionResource & { metadata: Record<string, unknown> }
    >
  ).catch((error: { code?: number }) => {
    if (error.code === 404) return 404 as const;
    throw error;
  });

describe('faas-cli deploy / update / remove on Kubernetes', () => {
  test('the default RBAC refuses deploy and remove with 403 RBAC_FORBIDDEN, writing nothing', async () => {
    const posted = await system(plainGateway, 'POST', deployment());
    const removed = await system(plainGateway, 'DELETE', { functionName: 'echo' });
    expect({
      posted: posted.status,
      code: ((await posted.json()) as { code: string }).code,
      removed: removed.status,
      fn: await readFunction(),
    }).toEqual({ posted: 403, code: 'RBAC_FORBIDDEN', removed: 403, fn: 404 });
  });

  test('PUT of an unknown function is 404; POST is 202, applied by spool-gateway, and the function serves', async () => {
    expect((await system(gateway, 'PUT', deployment())).status).toBe(404);
    expect((await system(gateway, 'POST', deployment())).status).toBe(202);
    const fn = await readFunction();
    if (fn === 404) throw new Error('the Function was not created');
    const managers = (fn.metadata['managedFields'] as { manager: string; operation: string }[]).map(
      (m) => `${m.manager}/${m.operation}`,
    );
    expect({
      managers,
      annotation: fn.metadata.annotations?.['spool.dev/deployed-by'],
      spec: { command: fn.spec.command, env: fn.spec.env, scale: fn.spec.scale },
    }).toEqual({
      managers: expect.arrayContaining(['spool-gateway/Apply']),
      annotation: 'system-api',
      spec: {
        command: ['node', 'server.mjs'],
        env: [{ name: 'GREETING', value: 'one' }],
        scale: expect.objectContaining({ min: 1, max: 2 }),
      },
    });
    await eventually(
      async () => {
        const res = await fetch(`${gateway.url}/function/echo`, { method: 'POST', body: 'hi' });
        expect({ status: res.status, body: await res.text() }).toEqual({ status: 200, body: 'hi' });
      },
      { timeoutMs: 60_000 },
    );
    const described = (await (await fetch(`${gateway.url}/system/function/echo`)).json()) as Record<
      string,
      unknown
    >;
    expect(described).toMatchObject({ namespace: ns.name, source: 'system-api', labels: { tier: 'web' } });
  });

  test('POST again is 409; PUT is 202 and changes the Function; a field Spool cannot map is 400', async () => {
    expect((await system(gateway, 'POST', deployment())).status).toBe(409);
    expect((await system(gateway, 'PUT', deployment({ envVars: { GREETING: 'two' } }))).status).toBe(202);
    const refused = await system(gateway, 'PUT', deployment({ secrets: ['db'] }));
    expect({
      status: refused.status,
      message: ((await refused.json()) as { message: string }).message,
    }).toEqual({
      status: 400,
      message: expect.stringContaining('secrets:'),
    });
    const fn = await readFunction();
    expect(fn === 404 ? fn : fn.spec.env).toEqual([{ name: 'GREETING', value: 'two' }]);
  });

  test('DELETE is 202 and the Function is gone; again is 404', async () => {
    expect((await system(gateway, 'DELETE', { functionName: 'echo', namespace: 'openfaas-fn' })).status).toBe(
      202,
    );
    await eventually(async () => expect(await readFunction()).toBe(404), { timeoutMs: 30_000 });
    expect((await system(gateway, 'DELETE', { functionName: 'echo' })).status).toBe(404);
  });
});

describe('faas-cli logs on Kubernetes', () => {
  const talker = deployment({
    service: 'talker',
    // The echo image's folder is examples/echo; the fixture prints `call <call>` for each call.
    envProcess: 'node ../../test/fixtures/live-server.mjs',
    envVars: { LOG_CALLS: '1' },
    // One replica: a follow streams the pods that exist when it starts, so a second one could serve unseen.
    annotations: { 'com.openfaas.scale.min': '1', 'com.openfaas.scale.max': '1' },
  });
  const logs = (gw: KubeGateway, query: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${gw.url}/system/logs?${query}`, init);
  const texts = (body: string): { instance: string; text: string }[] =>
    body
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { instance: string; text: string });

  beforeAll(async () => {
    const res = await system(gateway, 'POST', talker);
    if (res.status !== 202) throw new Error(`deploying talker: ${res.status} ${await res.text()}`);
  });

  test("the pods' logs as NDJSON logs.Messages, named by pod; follow streams until the client leaves", async () => {
    const history = await eventually(
      async () => {
        await fetch(`${gateway.url}/function/talker?call=first`, { method: 'POST' });
        const res = await logs(gateway, 'name=talker&namespace=openfaas-fn&tail=100');
        expect(res.headers.get('content-type')).toBe('application/x-ndjson');
        const lines = texts(await res.text());
        expect(lines.map((l) => l.text)).toContain('call first');
        return lines;
      },
      { timeoutMs: 60_000 },
    );
    expect(history.find((l) => l.text === 'call first')?.instance).toMatch(/^fn-talker-/);
    // A call is refused 503 while the status says the replica cannot serve. The first one can be answered before
    // that status is corrected (the process node's first read of the pod's Secret may be refused until the node
    // authorizer sees the pod), so the follow's calls wait for Ready.
    await eventually(
      async () => {
        const fn = await readFunction('talker');
        expect(fn !== 404 && fn.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      },
      { timeoutMs: 30_000 },
    );
    const leave = new AbortController();
    const res = await logs(gateway, 'name=talker&tail=0&follow=true', { signal: leave.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const reading = (async () => {
      for (;;) {
        // Aborted when the test leaves: the read rejects.
        const chunk = await reader.read().catch(() => undefined);
        if (chunk === undefined || chunk.done) return;
        text += Buffer.from(chunk.value).toString('utf8');
      }
    })();
    // The response starts before the kubelet has opened the follow (it answers a tail of 0 only at a first new
    // line), so a line written at once may fall before it: calls go on, each marked, until one is followed.
    const statuses: string[] = [];
    await eventually(
      async () => {
        const res = await fetch(`${gateway.url}/function/talker?call=second-${statuses.length}`, {
          method: 'POST',
        });
        statuses.push(res.status === 200 ? '200' : `${res.status} ${await res.text()}`);
        await eventually(() => expect(text).toContain('call second-'), { timeoutMs: 2_000 });
      },
      { timeoutMs: 30_000 },
    ).finally(() => leave.abort());
    await reading;
    expect(statuses.filter((s) => s !== '200')).toEqual([]);
    const followed = texts(text).map((l) => l.text);
    expect(followed.filter((t) => t.startsWith('call second-')).length).toBeGreaterThan(0);
    // tail=0: no history, only what was written after the follow began.
    expect(followed).not.toContain('call first');
  });

  test('the default RBAC refuses logs with 403 RBAC_FORBIDDEN', async () => {
    const res = await logs(plainGateway, 'name=talker');
    expect({ status: res.status, code: ((await res.json()) as { code: string }).code }).toEqual({
      status: 403,
      code: 'RBAC_FORBIDDEN',
    });
  });
});
