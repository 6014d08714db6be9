// faas-cli deploy, update and remove in local mode, on the real gateway, controller (folder source, process
// runtime, real watchdogs and user processes) and Redis: a FunctionDeployment (test/fixtures/openfaas) is served,
// shown apart from the folder's, updated, kept across a restart of both services, and removed; what Spool cannot
// honour is a 400 naming the field; the folder's own functions are refused with 409; unknown names are 404.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parseControllerConfig, parseGatewayConfig } from '@spool/api';
import {
  createLocalController,
  createProcessRuntime,
  silentLog,
  systemClock,
  type Controller,
} from '@spool/controller';
import { createGateway, deployedFunctionsDir, redisRegistry, type Gateway } from '@spool/gateway';
import { eventually } from '../../support/eventually.js';
import { fixturePath, repoRoot } from '../../support/local-functions.js';
import { testRedisUrl } from '../../support/redis.js';

jest.setTimeout(90_000);

const ns = `test-${randomUUID().slice(0, 8)}`;
const TOKEN = 'openfaas-deploy-token';
const root = mkdtempSync(join(tmpdir(), 'spool-openfaas-functions-'));
const stateDir = mkdtempSync(join(tmpdir(), 'spool-openfaas-state-'));
const admin = {
  authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`,
  'content-type': 'application/json',
};

/** The fixture as faas-cli sends it, with its command pointed at the test fixtures. */
const deployment = (changes: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...(JSON.parse(
    readFileSync(fixturePath('openfaas', 'function-deployment.json'), 'utf8').replace(
      'FIXTURES',
      fixturePath(),
    ),
  ) as Record<string, unknown>),
  ...changes,
});

// A function of the folder's own, which /system/functions must leave alone.
writeFileSync(
  join(root, 'folder-fn.yaml'),
  JSON.stringify({
    apiVersion: 'spool.dev/v1alpha1',
    kind: 'Function',
    metadata: { name: 'folder-fn', namespace: ns },
    spec: { image: 'x', command: ['node', 'live-server.mjs'], workingDir: fixturePath() },
  }),
);

interface Stack {
  readonly url: string;
  close(): Promise<void>;
}

/** The controller and gateway as `npm start` runs them: both given the same state dir. */
async function startStack(): Promise<Stack> {
  const clients: Redis[] = [];
  const client = (): Redis => {
    const r = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    clients.push(r);
    return r;
  };
  const config = parseControllerConfig({
    SPOOL_REDIS_URL: testRedisUrl(),
    SPOOL_FUNCTIONS_DIR: root,
    SPOOL_STATE_DIR: stateDir,
    SPOOL_WATCHDOG_COMMAND: JSON.stringify([process.execPath, join(repoRoot, 'watchdog/dist/main.js')]),
    SPOOL_SCALE_INTERVAL_MS: '200',
    SPOOL_METRICS_HOST: '127.0.0.1',
    SPOOL_METRICS_PORT: '0',
  });
  const controller: Controller = createLocalController({
    config,
    redis: client,
    runtime: createProcessRuntime({
      watchdogCommand: config.watchdogCommand,
      redisUrl: config.redisUrl,
      stateDir,
      baseEnv: process.env,
      clock: systemClock,
      log: silentLog,
    }),
    source: { functionsDir: root, deployedFunctionsDir: deployedFunctionsDir(stateDir) },
    clock: systemClock,
    log: silentLog,
  });
  await controller.start();
  const subscriber = client();
  const gateway: Gateway = createGateway({
    config: parseGatewayConfig({
      SPOOL_FUNCTIONS_DIR: root,
      SPOOL_STATE_DIR: stateDir,
      SPOOL_HOST: '127.0.0.1',
      SPOOL_PORT: '0',
      SPOOL_REDIS_URL: testRedisUrl(),
      SPOOL_ADMIN_TOKEN: TOKEN,
      SPOOL_DEFAULT_NAMESPACE: ns,
    }),
    redis: client(),
    subscriber,
    registry: await redisRegistry(client(), subscriber),
    gatewayId: `openfaas-deploy-${randomUUID().slice(0, 8)}`,
    log: silentLog,
  });
  const { port } = await gateway.start();
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await gateway.close();
      await controller.close();
      await Promise.all(clients.map((r) => r.quit().catch(() => undefined)));
    },
  };
}

let stack: Stack;

const system = (method: string, body: unknown, path = '/system/functions'): Promise<Response> =>
  fetch(`${stack.url}${path}`, { method, headers: admin, body: JSON.stringify(body) });
const answer = async (res: Response): Promise<{ status: number; text: string }> => ({
  status: res.status,
  text: await res.text(),
});
/** faas-cli invoke: `deployed` is `deployed.openfaas-fn`, the alias of this suite's default namespace. */
const invoke = async (name: string): Promise<{ status: number; greeting?: string }> => {
  const res = await fetch(`${stack.url}/function/${name}`, { method: 'POST', body: 'x' });
  const body = (await res.json().catch(() => ({}))) as { greeting?: string };
  return { status: res.status, ...(body.greeting !== undefined ? { greeting: body.greeting } : {}) };
};
const describeFn = async (name: string): Promise<Record<string, unknown>> =>
  (await (await fetch(`${stack.url}/system/function/${name}`, { headers: admin })).json()) as Record<
    string,
    unknown
  >;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
});

describe('faas-cli deploy / update / remove in local mode', () => {
  test('update of an unknown function is 404, so faas-cli goes on to POST', async () => {
    expect(await answer(await system('PUT', deployment()))).toMatchObject({ status: 404 });
  });

  test('POST a FunctionDeployment: 202, then served, described in OpenFaaS fields and apart from the folder', async () => {
    expect(await answer(await system('POST', deployment()))).toEqual({ status: 202, text: '' });
    await eventually(
      async () => expect(await invoke('deployed')).toEqual({ status: 200, greeting: 'from-faas-cli' }),
      {
        timeoutMs: 30_000,
      },
    );
    const described = await describeFn('deployed');
    expect(described).toMatchObject({
      name: 'deployed',
      namespace: ns,
      image: 'ghcr.io/openfaas/alpine:latest',
      envProcess: `node ${fixturePath()}/live-server.mjs`,
      envVars: { GREETING: 'from-faas-cli' },
      labels: { tier: 'web', 'com.openfaas.scale.min': '1', 'com.openfaas.scale.max': '3' },
      annotations: { topic: 'orders', 'spool.dev/deployed-by': 'system-api' },
      limits: { memory: '128Mi' },
      requests: { cpu: '50m' },
      scale: { min: 1, max: 3, targetPerReplica: 5 },
      source: 'system-api',
    });
    expect((await describeFn('folder-fn'))['source']).toBe('folder');
  });

  test('POST of a function that exists is 409; PUT updates it (202) and the new spec serves', async () => {
    expect(await answer(await system('POST', deployment()))).toMatchObject({ status: 409 });
    const changed = deployment({ envVars: { GREETING: 'updated', LOG_CALLS: '1' } });
    expect(await answer(await system('PUT', changed))).toEqual({ status: 202, text: '' });
    await eventually(
      async () => expect(await invoke('deployed')).toEqual({ status: 200, greeting: 'updated' }),
      {
        timeoutMs: 30_000,
      },
    );
  });

  test('faas-cli logs: the replica log as NDJSON logs.Messages; tail; 404 for an unknown function; 400 for a bad query', async () => {
    const query = 'name=deployed&namespace=openfaas-fn&tail=50';
    const messages = await eventually(
      async () => {
        // Again on each try: the first may meet the rollout the update started.
        await fetch(`${stack.url}/function/deployed?call=marker-1`, { method: 'POST' });
        const res = await fetch(`${stack.url}/system/logs?${query}`, { headers: admin });
        expect(res.headers.get('content-type')).toBe('application/x-ndjson');
        const lines = (await res.text()).split('\n').filter((l) => l !== '');
        const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(parsed.map((m) => m['text'])).toContain('call marker-1');
        return parsed;
      },
      { timeoutMs: 20_000 },
    );
    const marker = messages.find((m) => m['text'] === 'call marker-1');
    const shape = (value: object): Record<string, string> =>
      Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v]));
    const want = JSON.parse(readFileSync(fixturePath('openfaas', 'log-message.json'), 'utf8')) as object;
    expect(shape(marker ?? {})).toEqual(shape(want));
    expect(marker).toMatchObject({
      name: 'deployed',
      namespace: ns,
      instance: expect.stringMatching(/^deployed-\d+$/),
    });
    expect(Number.isNaN(Date.parse(String(marker?.['timestamp'])))).toBe(false);
    // tail counts per replica, as Kubernetes' tailLines counts per pod.
    const one = await (
      await fetch(`${stack.url}/system/logs?name=deployed&tail=1`, { headers: admin })
    ).text();
    const instances = one
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as { instance: string }).instance);
    expect(instances.length).toBeGreaterThan(0);
    expect(new Set(instances).size).toBe(instances.length);
    const unknown = await fetch(`${stack.url}/system/logs?name=nobody`, { headers: admin });
    const bad = await fetch(`${stack.url}/system/logs?name=deployed&tail=ten`, { headers: admin });
    expect({ unknown: unknown.status, bad: bad.status }).toEqual({ unknown: 404, bad: 400 });
  });

  test('faas-cli logs --follow streams new lines until the client leaves', async () => {
    const leave = new AbortController();
    const res = await fetch(`${stack.url}/system/logs?name=deployed&tail=0&follow=true`, {
      headers: admin,
      signal: leave.signal,
    });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await fetch(`${stack.url}/function/deployed?call=marker-2`, { method: 'POST' });
    let text = '';
    while (!text.includes('call marker-2')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    leave.abort();
    const lines = text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { text: string });
    expect(lines.map((l) => l.text)).toContain('call marker-2');
    expect(lines.map((l) => l.text)).not.toContain('call marker-1');
  });

  test.each([
    { name: 'secrets', changes: { secrets: ['db-password'] }, field: 'secrets:' },
    {
      name: 'rps scaling',
      changes: { annotations: { 'com.openfaas.scale.type': 'rps' } },
      field: 'com.openfaas.scale.type:',
    },
    { name: 'no envProcess', changes: { envProcess: undefined }, field: 'envProcess:' },
    { name: 'an unknown field', changes: { replicas: 2 }, field: 'replicas:' },
    {
      name: 'an invalid name (the controller’s validator)',
      changes: { service: 'Not_Valid' },
      field: 'metadata.name',
    },
  ])(
    'a deployment with $name is 400 naming the field, and nothing is written',
    async ({ changes, field }) => {
      const before = (await describeFn('deployed'))['envVars'];
      const res = await system('PUT', deployment(changes));
      const body = (await res.json()) as { code: string; message: string };
      expect({ status: res.status, code: body.code }).toEqual({ status: 400, code: 'INVALID_REQUEST' });
      expect(body.message).toContain(field);
      expect((await describeFn('deployed'))['envVars']).toEqual(before);
    },
  );

  test("the folder's own function cannot be created, updated or removed through the API (409)", async () => {
    const folder = deployment({ service: 'folder-fn' });
    const statuses = [
      (await system('POST', folder)).status,
      (await system('PUT', folder)).status,
      (await system('DELETE', { functionName: 'folder-fn' })).status,
    ];
    expect(statuses).toEqual([409, 409, 409]);
    expect((await invoke(`folder-fn.${ns}`)).status).toBe(200);
  });

  test('a deployed function is served again after the gateway and controller restart', async () => {
    await stack.close();
    stack = await startStack();
    await eventually(
      async () => expect(await invoke('deployed')).toEqual({ status: 200, greeting: 'updated' }),
      {
        timeoutMs: 30_000,
      },
    );
  });

  test('DELETE (faas-cli remove) is 202 and the function is gone; again is 404', async () => {
    const request = JSON.parse(
      readFileSync(fixturePath('openfaas', 'delete-function-request.json'), 'utf8'),
    ) as unknown;
    expect(await answer(await system('DELETE', request))).toEqual({ status: 202, text: '' });
    await eventually(async () => expect((await invoke('deployed')).status).toBe(404), { timeoutMs: 30_000 });
    expect(existsSync(join(deployedFunctionsDir(stateDir), `${ns}.deployed.yaml`))).toBe(false);
    expect((await system('DELETE', request)).status).toBe(404);
  });
});
