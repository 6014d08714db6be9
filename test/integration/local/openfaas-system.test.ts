// OpenFaaS clients against the real gateway on real Redis: auth, namespaces, FunctionStatus and GatewayInfo in
// OpenFaaS's shapes (fixtures in test/fixtures/openfaas), Content-Type unchanged, metrics current at each scrape.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { callCounterKey, channels, encodeReplicaStatus, type ResolvedFunction } from '@spool/api';
import type { Watchdog } from '@spool/watchdog';
import { eventually } from '../../support/eventually.js';
import {
  examplePath,
  fixturePath,
  startGateway,
  startWatchdog,
  testFunction,
  type TestGateway,
} from '../../support/local-functions.js';
import { testRedisUrl } from '../../support/redis.js';

jest.setTimeout(30_000);

const base = testFunction(
  {
    image: 'spool/example-echo:0.1.0',
    command: ['node', 'server.mjs'],
    workingDir: examplePath('echo'),
    env: [{ name: 'GREETING', value: 'hi' }],
    resources: { limits: { memory: '128Mi' }, requests: { cpu: '100m' } },
  },
  'echo',
);
const echo: ResolvedFunction = {
  ...base,
  metadata: { ...base.metadata, labels: { tier: 'web' }, annotations: { topic: 'cron' } },
};
const ns = echo.metadata.namespace;
const TOKEN = 'openfaas-test-token';
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(fixturePath('openfaas', name), 'utf8')) as Record<string, unknown>;

/** The JSON type of every field, nested: what an OpenFaaS client's decoder depends on. */
const shapeOf = (value: unknown): unknown => {
  if (Array.isArray(value)) return 'array';
  if (value === null || typeof value !== 'object') return typeof value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      k.endsWith('Vars') || k === 'labels' || k === 'annotations' ? 'map' : shapeOf(v),
    ]),
  );
};

let gw: TestGateway;
let watchdog: Watchdog;
let publisher: Redis;
const basic = (user: string, token: string): string =>
  `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;
const admin = { authorization: basic('admin', TOKEN) };
const call = (p: string, init?: RequestInit): Promise<Response> => fetch(`${gw.url}${p}`, init);

beforeAll(async () => {
  watchdog = await startWatchdog(echo);
  // The default namespace is this suite's own, so the openfaas-fn alias resolves to it.
  gw = await startGateway([echo], {
    SPOOL_ADMIN_TOKEN: TOKEN,
    SPOOL_DEFAULT_NAMESPACE: ns,
    SPOOL_BUILD_SHA: 'abc1234',
  });
  publisher = new Redis(testRedisUrl());
});

afterAll(async () => {
  await gw.close();
  await watchdog.close();
  publisher.disconnect();
});

describe('login (faas-cli sends Basic admin:<password>)', () => {
  test.each([
    { name: 'Basic admin:token', headers: admin, want: 200 },
    { name: 'Bearer token', headers: { authorization: `Bearer ${TOKEN}` }, want: 200 },
    { name: 'Basic with another user', headers: { authorization: basic('root', TOKEN) }, want: 401 },
    { name: 'Basic with a wrong password', headers: { authorization: basic('admin', 'nope') }, want: 401 },
    { name: 'no credentials', headers: {}, want: 401 },
  ])('$name → $want', async ({ headers, want }) => {
    const res = await call('/system/functions', { headers });
    expect(res.status).toBe(want);
  });

  test('a refusal carries a Basic challenge', async () => {
    const res = await call('/system/info');
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="spool"');
  });
});

describe('namespaces', () => {
  test('invoke echo, echo.openfaas-fn and echo.NS reach the same function', async () => {
    const answers = await Promise.all(
      ['echo', 'echo.openfaas-fn', `echo.${ns}`].map(async (name) => {
        const res = await call(`/function/${name}`, { method: 'POST', body: name });
        return { status: res.status, body: await res.text() };
      }),
    );
    expect(answers).toEqual([
      { status: 200, body: 'echo' },
      { status: 200, body: 'echo.openfaas-fn' },
      { status: 200, body: `echo.${ns}` },
    ]);
  });

  test('?namespace= is honoured by describe and list: another namespace does not show this one', async () => {
    const other = await call('/system/function/echo?namespace=other-ns', { headers: admin });
    const alias = await call('/system/function/echo?namespace=openfaas-fn', { headers: admin });
    const list = (await (
      await call('/system/functions?namespace=other-ns', { headers: admin })
    ).json()) as unknown[];
    expect({ other: other.status, alias: alias.status, listed: list.length }).toEqual({
      other: 404,
      alias: 200,
      listed: 0,
    });
  });

  test('GET /system/namespaces lists the namespaces served', async () => {
    const res = await call('/system/namespaces', { headers: admin });
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: [ns] });
  });
});

test('faas-cli scale: ?namespace=openfaas-fn and a body naming the alias', async () => {
  const res = await call('/system/scale-function/echo?namespace=openfaas-fn', {
    method: 'POST',
    headers: { ...admin, 'content-type': 'application/json' },
    body: JSON.stringify({ serviceName: 'echo', namespace: 'openfaas-fn', replicas: 1 }),
  });
  expect({ status: res.status, body: await res.json() }).toEqual({
    status: 202,
    body: { name: 'echo', namespace: ns, replicas: 1 },
  });
});

describe('function status in faas-provider FunctionStatus shape', () => {
  test('describe has every OpenFaaS field with its type, and Spool fields beside them', async () => {
    const body = (await (await call(`/system/function/echo.${ns}`, { headers: admin })).json()) as Record<
      string,
      unknown
    >;
    const want = fixture('function-status.json');
    delete want['createdAt']; // local mode has no creation time; omitted as omitempty would
    expect(shapeOf(Object.fromEntries(Object.keys(want).map((k) => [k, body[k]])))).toEqual(shapeOf(want));
    expect(body).toMatchObject({
      name: 'echo',
      namespace: ns,
      image: 'spool/example-echo:0.1.0',
      envProcess: 'node server.mjs',
      envVars: { GREETING: 'hi' },
      labels: { tier: 'web' },
      annotations: { topic: 'cron' },
      limits: { memory: '128Mi' },
      requests: { cpu: '100m' },
      readOnlyRootFilesystem: false,
      secrets: [],
      mode: 'http',
      timeoutSeconds: 30,
    });
  });

  test('invocationCount follows the shared counter that every gateway increments', async () => {
    const count = async (): Promise<unknown> =>
      (
        (await (await call(`/system/function/echo.${ns}`, { headers: admin })).json()) as {
          invocationCount: unknown;
        }
      ).invocationCount;
    const before = Number(await publisher.get(callCounterKey(echo.metadata)));
    await call('/function/echo', { method: 'POST', body: 'x' });
    await call('/function/echo', { method: 'POST', body: 'y' });
    await eventually(async () => expect(await count()).toBe(before + 2), { timeoutMs: 10_000 });
  });
});

test('/system/info in GatewayInfo shape with sha and arch', async () => {
  const body = (await (await call('/system/info', { headers: admin })).json()) as Record<string, unknown>;
  expect(shapeOf(body)).toEqual(shapeOf(fixture('system-info.json')));
  expect(body).toMatchObject({
    provider: { provider: 'spool', orchestration: 'local', version: { sha: 'abc1234' } },
    version: { sha: 'abc1234' },
  });
});

test("a function's Content-Type reaches the client byte for byte (no charset added)", async () => {
  const res = await call('/function/echo', {
    method: 'POST',
    body: 'x',
    headers: { 'content-type': 'text/x-sdk' },
  });
  expect({ status: res.status, type: res.headers.get('content-type') }).toEqual({
    status: 200,
    type: 'text/x-sdk',
  });
});

describe('metrics', () => {
  test('gateway_service_count is current at the first scrape after a scale', async () => {
    const line = (replicas: number): string =>
      `gateway_service_count{function_name="echo.${ns}"} ${replicas}`;
    for (const replicas of [3, 1]) {
      await publisher.publish(
        channels.scaled,
        encodeReplicaStatus({
          key: `${ns}/echo`,
          replicas,
          readyReplicas: replicas,
          reason: 'target',
          atMs: replicas,
        }),
      );
      // Wait until the gateway has the notice (its describe shows it), then one scrape must agree.
      await eventually(
        async () => {
          const d = (await (await call(`/system/function/echo.${ns}`, { headers: admin })).json()) as {
            replicas: number;
          };
          expect(d.replicas).toBe(replicas);
        },
        { timeoutMs: 10_000 },
      );
      expect(await (await call('/metrics')).text()).toContain(line(replicas));
    }
  });

  test('process and Node.js metrics are exported', async () => {
    const text = await (await call('/metrics')).text();
    expect(
      ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds'].filter(
        (m) => !text.includes(`# TYPE ${m} `),
      ),
    ).toEqual([]);
  });
});
