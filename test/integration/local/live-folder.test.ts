// Local mode follows its folder live: the controller (folder source, process runtime, real watchdogs and user
// processes) and the gateway on a real Redis. A file added is served within seconds; an edit rolls the replicas
// with no failed call; a deleted file is 404 and leaves no queue keys; a broken file is reported with file,
// document and field while every other function keeps serving; status is readable at /system/function/NAME.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  FUNCTION_STATUS_KEY,
  KEY_PREFIX,
  LOCAL_FUNCTIONS_KEY,
  REPLICA_STATUS_KEY,
  type Condition,
  type FunctionSpecInput,
} from '@spool/api';
import type { ProcessRuntime } from '@spool/controller';
import { eventually } from '../../support/eventually.js';
import { capturedLog } from '../../support/logs.js';
import { fixturePath } from '../../support/local-functions.js';
import {
  startLocalController,
  startRegistryGateway,
  type LocalController,
  type RegistryGateway,
} from '../../support/local-stack.js';
import { testRedisUrl } from '../../support/redis.js';

jest.setTimeout(60_000);

const ns = `test-${randomUUID().slice(0, 8)}`;
const root = mkdtempSync(join(tmpdir(), 'spool-live-folder-'));
const { log: controllerLog, lines } = capturedLog('controller');
const clients: Redis[] = [];
let local: LocalController;
let runtime: ProcessRuntime;
let gateway: RegistryGateway;
let url: string;
let redis: Redis;

/** The operator's connection, for reading what the stack wrote. */
const client = (): Redis => {
  const r = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  clients.push(r);
  return r;
};

/** A Function document (JSON is YAML) in the test's namespace, running test/fixtures/live-server.mjs. */
const functionYaml = (name: string, spec: Partial<FunctionSpecInput> = {}, greeting = 'hello'): string =>
  JSON.stringify({
    apiVersion: 'spool.dev/v1alpha1',
    kind: 'Function',
    metadata: { name, namespace: ns },
    spec: {
      image: 'spool-test/live-server:1',
      command: ['node', 'live-server.mjs'],
      workingDir: fixturePath(),
      env: [{ name: 'GREETING', value: greeting }],
      timeoutSeconds: 5,
      ...spec,
    },
  });

const write = (file: string, text: string): void => {
  mkdirSync(join(root, file, '..'), { recursive: true });
  writeFileSync(join(root, file), text);
};

interface Answer {
  readonly status: number;
  readonly pid?: number;
  readonly greeting?: string;
  readonly code?: string;
  readonly message?: string;
}

async function call(name: string): Promise<Answer> {
  const res = await fetch(`${url}/function/${name}.${ns}`, { method: 'POST', body: 'x' });
  const body = (await res.json().catch(() => ({}))) as Omit<Answer, 'status'>;
  return { status: res.status, ...body };
}

async function system(name: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/system/function/${name}.${ns}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const conditionsOf = (body: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(
    ((body['conditions'] ?? []) as Condition[]).map((c) => [c.type, `${c.status} ${c.reason}`]),
  );

/** Calls `name` every 50 ms until stopped, counting answers by status: a rollout must not fail one. */
function keepCalling(name: string): { stop(): Promise<Record<number, number>> } {
  const counts: Record<number, number> = {};
  let running = true;
  const loop = (async () => {
    while (running) {
      const { status } = await call(name);
      counts[status] = (counts[status] ?? 0) + 1;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return counts;
    },
  };
}

const ref = (name: string) => ({ namespace: ns, name });

beforeAll(async () => {
  redis = client();
  local = await startLocalController({
    source: { functionsDir: root },
    env: { SPOOL_SCALE_INTERVAL_MS: '200' },
    killMarginMs: 1_000,
    log: controllerLog,
    ownUsers: true,
  });
  runtime = local.runtime;
  gateway = await startRegistryGateway(testRedisUrl(), { SPOOL_QUEUE_WAIT_MS: '20000' });
  url = gateway.url;
});

afterAll(async () => {
  await gateway?.close();
  await local?.close();
  for (const r of clients) r.disconnect();
  rmSync(root, { recursive: true, force: true });
});

describe('local mode follows its folder', () => {
  test('a file added is served within seconds, and its status is readable at /system/function/NAME', async () => {
    expect((await call('added')).status).toBe(404);
    const writtenAt = performance.now();
    write('team/added.yaml', functionYaml('added'));

    await eventually(async () => expect((await system('added')).status).toBe(200), { intervalMs: 20 });
    const registeredMs = performance.now() - writtenAt;
    const answer = await eventually(
      async () => {
        const a = await call('added');
        expect(a.status).toBe(200);
        return a;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    const servedMs = performance.now() - writtenAt;
    console.log(
      `file added → in the gateway's registry: ${registeredMs.toFixed(0)} ms; → first call answered: ${servedMs.toFixed(0)} ms (scale.min 0: includes the cold start)`,
    );

    expect({ greeting: answer.greeting, withinSeconds: servedMs < 10_000 }).toEqual({
      greeting: 'hello',
      withinSeconds: true,
    });
    await eventually(async () => {
      const { status, body } = await system('added');
      expect({ status, conditions: conditionsOf(body) }).toEqual({
        status: 200,
        conditions: { Ready: 'True Serving', Valid: 'True SpecValid', RedisIsolated: 'True OwnRedisUser' },
      });
      // The fields /system/function always had are still there, with the conditions beside them.
      expect(body).toMatchObject({
        name: 'added',
        namespace: ns,
        image: 'spool-test/live-server:1',
        mode: 'http',
        replicas: 1,
        availableReplicas: 1,
        timeoutSeconds: 5,
        scale: expect.objectContaining({ min: 0 }),
      });
    });
    const listed = (await (await fetch(`${url}/system/functions?namespace=${ns}`)).json()) as Record<
      string,
      unknown
    >[];
    expect(conditionsOf(listed.find((f) => f['name'] === 'added') ?? {})).toEqual({
      Ready: 'True Serving',
      Valid: 'True SpecValid',
      RedisIsolated: 'True OwnRedisUser',
    });
  });

  test('an edit (env, timeout, scale) replaces the replicas as a rollout, with no failed call', async () => {
    write('edited.yaml', functionYaml('edited', { scale: { min: 1, max: 3 } }, 'v1'));
    const before = await eventually(
      async () => {
        const a = await call('edited');
        expect(a).toMatchObject({ status: 200, greeting: 'v1' });
        return a;
      },
      { timeoutMs: 20_000 },
    );
    const oldPids = runtime.replicas(ref('edited')).map((r) => r.pid);
    const calls = keepCalling('edited');
    const editedAt = performance.now();

    write('edited.yaml', functionYaml('edited', { timeoutSeconds: 7, scale: { min: 2, max: 3 } }, 'v2'));

    const after = await eventually(
      async () => {
        const a = await call('edited');
        expect(a).toMatchObject({ status: 200, greeting: 'v2' });
        return a;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    const appliedMs = performance.now() - editedAt;
    await eventually(async () => {
      const now = runtime.replicas(ref('edited')).map((r) => r.pid);
      expect({ count: now.length, kept: now.filter((pid) => oldPids.includes(pid)) }).toEqual({
        count: 2,
        kept: [],
      });
      const { body } = await system('edited');
      expect({
        timeoutSeconds: body['timeoutSeconds'],
        min: (body['scale'] as { min: number }).min,
        ready: conditionsOf(body)['Ready'],
      }).toEqual({ timeoutSeconds: 7, min: 2, ready: 'True Serving' });
    });
    const counts = await calls.stop();
    console.log(
      `file edited → new spec answering: ${appliedMs.toFixed(0)} ms; calls during rollout: ${JSON.stringify(counts)}`,
    );
    expect({ newProcess: after.pid !== before.pid, statuses: Object.keys(counts) }).toEqual({
      newProcess: true,
      statuses: ['200'],
    });
  });

  test('a deleted file stops the function: 404, replicas gone, no queue keys or stored state left', async () => {
    write('doomed.yaml', functionYaml('doomed', { scale: { min: 1 } }));
    await eventually(async () => expect((await call('doomed')).status).toBe(200), { timeoutMs: 20_000 });
    const async = await fetch(`${url}/async-function/doomed.${ns}`, { method: 'POST', body: 'later' });
    expect(async.status).toBe(202);
    const pattern = `${KEY_PREFIX}:{${ns}.doomed}:*`;
    expect((await redis.keys(pattern)).length).toBeGreaterThan(0);
    const deletedAt = performance.now();

    rmSync(join(root, 'doomed.yaml'));

    await eventually(async () => expect((await call('doomed')).status).toBe(404), { intervalMs: 50 });
    const goneMs = performance.now() - deletedAt;
    await eventually(async () => {
      expect({
        keys: await redis.keys(pattern),
        replicas: runtime.replicas(ref('doomed')),
        registry: await redis.hget(LOCAL_FUNCTIONS_KEY, `${ns}/doomed`),
        status: await redis.hget(FUNCTION_STATUS_KEY, `${ns}/doomed`),
        replicaStatus: await redis.hget(REPLICA_STATUS_KEY, `${ns}/doomed`),
      }).toEqual({ keys: [], replicas: [], registry: null, status: null, replicaStatus: null });
    });
    console.log(`file deleted → 404: ${goneMs.toFixed(0)} ms`);
  });

  test('a broken file is reported with file, document and field, and every other function keeps serving', async () => {
    write('steady.yaml', functionYaml('steady', { scale: { min: 1 } }));
    await eventually(async () => expect((await call('steady')).status).toBe(200), { timeoutMs: 20_000 });
    const calls = keepCalling('steady');
    const broken = join(root, 'broken.yaml');

    write(
      'broken.yaml',
      `${functionYaml('invalid', { timeoutSeconds: 0 })}\n---\nkind: Function\nmetadata: [unclosed\n`,
    );

    await eventually(() => {
      expect(lines).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            msg: 'function-invalid',
            key: `${ns}/invalid`,
            origin: `${broken} (document 1)`,
            problems: expect.stringContaining('spec.timeoutSeconds must be at least 1'),
          }),
          expect.objectContaining({
            msg: 'function-file-invalid',
            problem: expect.stringMatching(new RegExp(`^${broken} \\(document 2\\): `)),
          }),
        ]),
      );
    });
    const refused = await eventually(async () => {
      const { status, body } = await system('invalid');
      expect(status).toBe(404);
      expect(body['message']).toContain(`${broken} (document 1): spec.timeoutSeconds must be at least 1`);
      return body;
    });
    expect(refused['code']).toBe('FUNCTION_NOT_FOUND');
    expect((await call('invalid')).status).toBe(404);
    const counts = await calls.stop();
    expect(Object.keys(counts)).toEqual(['200']);

    // Fixed in place: the same file now serves.
    write('broken.yaml', functionYaml('invalid', { timeoutSeconds: 3 }));
    await eventually(async () => expect((await call('invalid')).status).toBe(200), { timeoutMs: 20_000 });
    expect(conditionsOf((await system('invalid')).body)['Valid']).toBe('True SpecValid');
  });

  test('a name defined twice is served from the first file in path order, and the second takes over when it goes', async () => {
    write('twin-a.yaml', functionYaml('twin', {}, 'from a'));
    write('twin-b.yaml', functionYaml('twin', {}, 'from b'));
    await eventually(
      async () => expect(await call('twin')).toMatchObject({ status: 200, greeting: 'from a' }),
      {
        timeoutMs: 20_000,
      },
    );
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          msg: 'function-file-invalid',
          problem: `${join(root, 'twin-b.yaml')} (document 1): ${ns}/twin is already defined by ${join(root, 'twin-a.yaml')} (document 1); the first is kept`,
        }),
      ]),
    );

    rmSync(join(root, 'twin-a.yaml'));

    await eventually(
      async () => expect(await call('twin')).toMatchObject({ status: 200, greeting: 'from b' }),
      {
        timeoutMs: 20_000,
      },
    );
  });
});
