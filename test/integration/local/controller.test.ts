// The controller on real Redis with real local processes: wake from zero, idle to zero, scale requests,
// replica status in Redis, the local registry on disk, and a real watchdog completing a queued call.
import { afterAll, afterEach, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  KEY_PREFIX,
  REPLICA_STATUS_KEY,
  callCounterKey,
  callId,
  channels,
  functionKey,
  parseControllerConfig,
  queueName,
  resolveFunction,
  type FunctionRef,
  type FunctionSpecInput,
  type InvocationJob,
  type ReplicaStatus,
  type ResolvedFunction,
} from '@spool/api';
import {
  IDLE_SWEEP_EVERY,
  createFolderSource,
  createLocalController,
  createProcessRuntime,
  scanFolder,
  silentLog,
  staticSource,
  systemClock,
  type Controller,
  type ProcessRuntime,
} from '@spool/controller';
import { eventually } from '../../support/eventually.js';
import { jobInState } from '../../support/jobs.js';
import { functionFixture, startGateway } from '../../support/local-functions.js';
import { capturedLog } from '../../support/logs.js';
import { testRedisUrl, uniqueFunctionRef } from '../../support/redis.js';

jest.setTimeout(30_000);

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const fakeWatchdog = [
  process.execPath,
  join(repoRoot, 'test', 'fixtures', 'controller', 'fake-watchdog.mjs'),
];
const realWatchdog = [process.execPath, join(repoRoot, 'watchdog', 'dist', 'main.js')];

const cleanups: (() => Promise<unknown>)[] = [];
const scaled: ReplicaStatus[] = [];
let redis: Redis;
let events: Redis;

beforeAll(async () => {
  redis = new Redis(testRedisUrl());
  events = new Redis(testRedisUrl());
  events.on('message', (_channel: string, message: string) =>
    scaled.push(JSON.parse(message) as ReplicaStatus),
  );
  await events.subscribe(channels.scaled);
});

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

afterAll(async () => {
  await Promise.all([redis.quit(), events.quit()]);
});

const fixtureFunction = (ref: FunctionRef, spec: Partial<FunctionSpecInput> = {}): ResolvedFunction =>
  functionFixture(ref, { image: 'fixture:1', command: ['node', 'server.mjs'], timeoutSeconds: 2, ...spec });

interface StartOptions {
  readonly functions: readonly ResolvedFunction[];
  readonly scaleIntervalMs: number;
  readonly watchdogCommand?: readonly string[];
}

interface Started {
  readonly controller: Controller;
  readonly runtime: ProcessRuntime;
  readonly lines: Readonly<Record<string, unknown>>[];
}

async function startController({
  functions,
  scaleIntervalMs,
  watchdogCommand = fakeWatchdog,
}: StartOptions): Promise<Started> {
  const stateDir = mkdtempSync(join(tmpdir(), 'spool-controller-'));
  const config = parseControllerConfig({
    SPOOL_REDIS_URL: testRedisUrl(),
    SPOOL_FUNCTIONS_DIR: stateDir,
    SPOOL_WATCHDOG_COMMAND: JSON.stringify(watchdogCommand),
    SPOOL_STATE_DIR: stateDir,
    SPOOL_SCALE_INTERVAL_MS: String(scaleIntervalMs),
    SPOOL_METRICS_HOST: '127.0.0.1',
    SPOOL_METRICS_PORT: '0',
  });
  const { log, lines } = capturedLog('controller');
  const runtime = createProcessRuntime({
    watchdogCommand: config.watchdogCommand,
    redisUrl: config.redisUrl,
    stateDir,
    baseEnv: process.env,
    clock: systemClock,
    log: silentLog,
    killMarginMs: 1_000,
  });
  const controller = createLocalController({
    config,
    redis: () => new Redis(config.redisUrl, { maxRetriesPerRequest: null }),
    runtime,
    source: staticSource(functions),
    clock: systemClock,
    log,
  });
  cleanups.push(async () => {
    await controller.close();
    rmSync(stateDir, { recursive: true, force: true });
  });
  await controller.start();
  return { controller, runtime, lines };
}

function queueOf(ref: FunctionRef): Queue<InvocationJob> {
  const queue = new Queue<InvocationJob>(queueName(ref), {
    connection: { url: testRedisUrl() },
    prefix: KEY_PREFIX,
  });
  cleanups.push(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
  });
  return queue;
}

function invocation(ref: FunctionRef, jobId: string, body = ''): InvocationJob {
  return {
    version: 1,
    callId: callId(ref, jobId),
    kind: 'async',
    request: {
      method: 'POST',
      path: '/',
      query: '',
      headers: {},
      bodyBase64: Buffer.from(body).toString('base64'),
    },
    trace: {},
    enqueuedAtMs: Date.now(),
  };
}

async function enqueue(queue: Queue<InvocationJob>, ref: FunctionRef, body = ''): Promise<string> {
  const jobId = randomUUID();
  await queue.add('invoke', invocation(ref, jobId, body), { jobId });
  return jobId;
}

async function statusOf(ref: FunctionRef): Promise<ReplicaStatus | undefined> {
  const json = await redis.hget(REPLICA_STATUS_KEY, functionKey(ref));
  return json === null ? undefined : (JSON.parse(json) as ReplicaStatus);
}

describe('controller', () => {
  test('wakes a zero-replica function at once on a wake event', async () => {
    const ref = uniqueFunctionRef('wake');
    // A poll once a minute: only the event can explain a scale-up within the test.
    const { runtime } = await startController({ functions: [fixtureFunction(ref)], scaleIntervalMs: 60_000 });
    await eventually(async () => expect(await statusOf(ref)).toMatchObject({ replicas: 0 }));
    const queue = queueOf(ref);
    await enqueue(queue, ref);

    const publishedAt = performance.now();
    await redis.publish(channels.wake, functionKey(ref));
    await eventually(() => expect(runtime.replicas(ref)).toHaveLength(1), {
      timeoutMs: 2_000,
      intervalMs: 1,
    });
    const latencyMs = performance.now() - publishedAt;

    expect(latencyMs).toBeLessThan(250);
    await eventually(
      async () => expect(await runtime.observeReplicas(ref)).toEqual({ replicas: 1, readyReplicas: 1 }),
      {
        intervalMs: 5,
      },
    );
    const readyMs = performance.now() - publishedAt;
    console.log(
      `wake → replica process started: ${latencyMs.toFixed(1)} ms; → replica ready: ${readyMs.toFixed(1)} ms`,
    );
  });

  test('a job whose wake nobody heard is found by the sweep within IDLE_SWEEP_EVERY passes', async () => {
    const ref = uniqueFunctionRef('unheard');
    const scaleIntervalMs = 100;
    const { runtime } = await startController({ functions: [fixtureFunction(ref)], scaleIntervalMs });
    await eventually(async () => expect(await statusOf(ref)).toMatchObject({ replicas: 0 }));
    // Past a full round of passes: the sweep has found it idle and reads it on one pass in IDLE_SWEEP_EVERY.
    await new Promise((r) => setTimeout(r, 2 * IDLE_SWEEP_EVERY * scaleIntervalMs));
    const queue = queueOf(ref);
    await enqueue(queue, ref); // no wake message

    const enqueuedAt = performance.now();
    await eventually(() => expect(runtime.replicas(ref)).toHaveLength(1), {
      timeoutMs: 10_000,
      intervalMs: 5,
    });
    const foundMs = performance.now() - enqueuedAt;
    // One round of passes, and slack for a busy machine; a wake message would have taken one tick.
    expect(foundMs).toBeLessThan(IDLE_SWEEP_EVERY * scaleIntervalMs + 2_000);
  });

  test('scales to zero once idleSeconds have passed without calls', async () => {
    const ref = uniqueFunctionRef('idle');
    const fn = fixtureFunction(ref, { scale: { idleSeconds: 1, scaleDownDelaySeconds: 0 } });
    const { runtime } = await startController({ functions: [fn], scaleIntervalMs: 100 });
    const queue = queueOf(ref);
    await enqueue(queue, ref);
    await eventually(async () =>
      expect(await runtime.observeReplicas(ref)).toEqual({ replicas: 1, readyReplicas: 1 }),
    );
    const pid = runtime.replicas(ref)[0]?.pid;

    await queue.drain();

    await eventually(
      async () => {
        expect(await runtime.observeReplicas(ref)).toEqual({ replicas: 0, readyReplicas: 0 });
        expect(await statusOf(ref)).toMatchObject({ replicas: 0, readyReplicas: 0, reason: 'idle' });
      },
      { timeoutMs: 5_000 },
    );
    expect(pid === undefined ? [] : runtime.replicas(ref).filter((r) => r.pid === pid)).toEqual([]);
  });

  test('honours a scale request, and records it in the replica status', async () => {
    const ref = uniqueFunctionRef('manual');
    const { runtime } = await startController({ functions: [fixtureFunction(ref)], scaleIntervalMs: 60_000 });

    await redis.publish(channels.scaleRequest, JSON.stringify({ key: functionKey(ref), replicas: 3 }));

    await eventually(async () => {
      expect(await runtime.observeReplicas(ref)).toEqual({ replicas: 3, readyReplicas: 3 });
      expect(await statusOf(ref)).toMatchObject({ key: functionKey(ref), replicas: 3, reason: 'manual' });
    });
  });

  test('ignores a malformed scale request and keeps working', async () => {
    const ref = uniqueFunctionRef('malformed');
    const { runtime, lines } = await startController({
      functions: [fixtureFunction(ref)],
      scaleIntervalMs: 60_000,
    });

    await redis.publish(channels.scaleRequest, '{"key":"nope","replicas":-4}');
    await redis.publish(channels.scaleRequest, JSON.stringify({ key: functionKey(ref), replicas: 1 }));

    await eventually(async () => {
      expect(await runtime.observeReplicas(ref)).toEqual({ replicas: 1, readyReplicas: 1 });
      expect(lines.filter((l) => l['msg'] === 'scale-request-ignored')).toHaveLength(1);
    });
  });

  test('publishes ReplicaStatus on the scaled channel and stores it in the status hash', async () => {
    const ref = uniqueFunctionRef('status');
    await startController({ functions: [fixtureFunction(ref)], scaleIntervalMs: 50 });
    await enqueue(queueOf(ref), ref);

    await eventually(async () => {
      const published = scaled.filter((s) => s.key === functionKey(ref));
      expect(published.map((s) => [s.replicas, s.readyReplicas])).toEqual([
        [0, 0],
        [1, 0],
        [1, 1],
      ]);
      expect(published[1]?.reason).toBe('wake');
      expect(await statusOf(ref)).toEqual(published[2]);
    });
  });

  test('serves /healthz and /metrics with the decisions made', async () => {
    const ref = uniqueFunctionRef('metrics');
    const { controller } = await startController({ functions: [fixtureFunction(ref)], scaleIntervalMs: 50 });
    await enqueue(queueOf(ref), ref);
    const base = `http://127.0.0.1:${controller.metricsAddress()?.port}`;

    await eventually(async () => {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain('spool_autoscaler_scaling_decisions_total{reason="wake"} 1');
      expect(metrics).toContain(
        `spool_autoscaler_desired_replicas{function_name="${ref.name}.${ref.namespace}"} 1`,
      );
    });
  });

  test('starts a function with min > 0 at min replicas', async () => {
    const ref = uniqueFunctionRef('warm');
    const { runtime } = await startController({
      functions: [fixtureFunction(ref, { scale: { min: 2 } })],
      scaleIntervalMs: 60_000,
    });

    await eventually(async () =>
      expect(await runtime.observeReplicas(ref)).toEqual({ replicas: 2, readyReplicas: 2 }),
    );
  });
});

describe('local folder', () => {
  test('the folder source emits the key of each add, edit and delete, and counts generations', async () => {
    const root = mkdtempSync(join(tmpdir(), 'spool-functions-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const source = createFolderSource({ root, clock: systemClock, log: silentLog, debounceMs: 50 });
    cleanups.push(() => source.close());
    const changed: string[] = [];
    await source.start((key) => void changed.push(key));
    const doc = (image: string): string =>
      `apiVersion: spool.dev/v1alpha1\nkind: Function\nmetadata:\n  name: alpha\nspec:\n  image: ${image}\n  command: [node, server.mjs]\n`;
    const generation = (): number | undefined => source.get('default/alpha')?.object.metadata.generation;

    writeFileSync(join(root, 'a.yaml'), doc('x:1'));
    await eventually(() =>
      expect({ changed, generation: generation() }).toEqual({ changed: ['default/alpha'], generation: 1 }),
    );
    writeFileSync(join(root, 'a.yaml'), doc('x:2'));
    await eventually(() =>
      expect({ changes: changed.length, generation: generation() }).toEqual({ changes: 2, generation: 2 }),
    );
    rmSync(join(root, 'a.yaml'));
    await eventually(() =>
      expect({ changes: changed.length, keys: source.keys(), found: source.get('default/alpha') }).toEqual({
        changes: 3,
        keys: [],
        found: undefined,
      }),
    );
  });

  test('reads every Function in a folder tree, keyed, and names each problem with file and document', async () => {
    const root = mkdtempSync(join(tmpdir(), 'spool-functions-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const doc = (name: string, extra = ''): string =>
      `apiVersion: spool.dev/v1alpha1\nkind: Function\nmetadata:\n  name: ${name}\n${extra}spec:\n  image: x:1\n  command: [node, server.mjs]\n`;
    mkdirSync(join(root, 'nested', 'deeper'), { recursive: true });
    writeFileSync(join(root, 'a.yaml'), `${doc('alpha')}---\n${doc('beta', '  namespace: team-b\n')}`);
    writeFileSync(join(root, 'nested', 'deeper', 'c.yml'), doc('gamma'));
    writeFileSync(join(root, 'nested', 'broken.yaml'), 'kind: Function\nmetadata: [unclosed\n');
    writeFileSync(join(root, 'nested', 'twice.yaml'), doc('alpha'));
    writeFileSync(join(root, 'nested', 'notes.txt'), 'not yaml');

    const found = await scanFolder(root);

    expect([...found.byKey].map(([key, d]) => [key, d.origin, d.object.spec.workingDir])).toEqual([
      ['default/alpha', `${join(root, 'a.yaml')} (document 1)`, root],
      ['team-b/beta', `${join(root, 'a.yaml')} (document 2)`, root],
      [
        'default/gamma',
        `${join(root, 'nested', 'deeper', 'c.yml')} (document 1)`,
        join(root, 'nested', 'deeper'),
      ],
    ]);
    expect(found.problems).toEqual([
      expect.stringMatching(new RegExp(`^${join(root, 'nested', 'broken.yaml')} \\(document 1\\): `)),
      `${join(root, 'nested', 'twice.yaml')} (document 1): default/alpha is already defined by ${join(root, 'a.yaml')} (document 1); the first is kept`,
    ]);
  });
});

const describeWithWatchdog = existsSync(realWatchdog[1] ?? '') ? describe : describe.skip;

describeWithWatchdog('controller with the real watchdog', () => {
  test('wakes examples/echo from zero and the queued call completes', async () => {
    const [example] = (await scanFolder(join(repoRoot, 'examples', 'echo'))).byKey.values();
    if (example === undefined) throw new Error('examples/echo has no Function');
    const ref = uniqueFunctionRef('echo');
    const fn: ResolvedFunction = resolveFunction({
      ...example.object,
      metadata: { ...example.object.metadata, namespace: ref.namespace },
    });
    const { runtime } = await startController({
      functions: [fn],
      scaleIntervalMs: 60_000,
      watchdogCommand: realWatchdog,
    });
    const queue = queueOf(ref);

    const jobId = await enqueue(queue, ref, 'hello');
    await redis.publish(channels.wake, functionKey(ref));

    await eventually(
      async () => {
        const job = await jobInState(queue, jobId, 'completed');
        expect(Buffer.from((job.returnvalue as { bodyBase64: string }).bodyBase64, 'base64').toString()).toBe(
          'hello',
        );
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(await runtime.observeReplicas(ref)).toEqual({ replicas: 1, readyReplicas: 1 });
  });

  // Issue 10 item 5: calls of 10 ms are seldom queued or running at the instant a tick samples the queue; the
  // gateway's call counter is what keeps the replica warm. Without it this traffic scaled to zero within seconds.
  test('steady short calls through the gateway never scale to zero; it idles once they stop', async () => {
    const [example] = (await scanFolder(join(repoRoot, 'examples', 'sleep'))).byKey.values();
    if (example === undefined) throw new Error('examples/sleep has no Function');
    const ref = uniqueFunctionRef('sleep');
    const fn: ResolvedFunction = resolveFunction({
      ...example.object,
      metadata: { ...example.object.metadata, namespace: ref.namespace },
      spec: { ...example.object.spec, scale: { idleSeconds: 1, scaleDownDelaySeconds: 0, max: 1 } },
    });
    const gateway = await startGateway([fn]);
    cleanups.push(() => gateway.close());
    await startController({ functions: [fn], scaleIntervalMs: 100, watchdogCommand: realWatchdog });
    const statuses = (): ReplicaStatus[] => scaled.filter((s) => s.key === functionKey(ref));
    const call = async (): Promise<number> => {
      const response = await fetch(`${gateway.url}/function/${ref.name}.${ref.namespace}?ms=10`);
      await response.arrayBuffer();
      return response.status;
    };
    expect(await call()).toBe(200); // wakes it from zero

    const fromIndex = statuses().length;
    const answers: Promise<number>[] = [];
    for (let i = 0; i < 30; i++) {
      answers.push(call()); // 5 calls/s for 6 s: six times idleSeconds
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const codes = await Promise.all(answers);
    const duringTraffic = statuses().slice(fromIndex);

    expect({
      ok: codes.filter((c) => c === 200).length,
      scaledToZero: duringTraffic.filter((s) => s.replicas === 0).length,
      counted: await redis.get(callCounterKey(ref)),
    }).toEqual({ ok: 30, scaledToZero: 0, counted: '31' });
    await eventually(async () => expect(await statusOf(ref)).toMatchObject({ replicas: 0, reason: 'idle' }), {
      timeoutMs: 5_000,
    });
  });
});
