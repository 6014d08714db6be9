// Hostile bytes on Spool's own channels and keys (issue 9 item 2, issue 11 item 3): any client of the Redis can
// publish or write them. Each service runs as its real process on the test run's Redis, is fed malformed
// messages where it reads them, and must log, drop them and go on working: a real call or scale still succeeds
// and the process is still alive.
import { afterAll, afterEach, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  KEY_PREFIX,
  LOCAL_FUNCTIONS_KEY,
  REPLICA_STATUS_KEY,
  callId,
  channels,
  decodeReply,
  decodeStoredReplicaStatus,
  encodeReplicaStatus,
  encodeScaleRequest,
  encodeStoredFunction,
  functionKey,
  parseFailureReason,
  queueName,
  replyChannel,
  functionReplyChannel,
  gatewayReplyPattern,
  syncInvocationJob,
  type FunctionRef,
  type InvocationJob,
  type InvocationResult,
  type ReplicaStatus,
} from '@spool/api';
import { eventually } from '../../support/eventually.js';
import { examplePath, functionFixture, repoRoot, startWatchdog } from '../../support/local-functions.js';
import { freePort } from '../../support/redis-server.js';
import { testRedisUrl, uniqueFunctionRef } from '../../support/redis.js';

jest.setTimeout(60_000);

const cleanups: (() => Promise<unknown>)[] = [];
let redis: Redis;

beforeAll(() => {
  redis = new Redis(testRedisUrl());
});

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

afterAll(async () => {
  await redis.quit();
});

interface Service {
  readonly child: ChildProcess;
  /** Every JSON line the process wrote on stdout or stderr. */
  readonly lines: Record<string, unknown>[];
  alive(): boolean;
}

/** Runs `script` (a service's built main.js) with `env`, collecting its JSON log lines; killed after the test. */
function spawnService(script: string, env: Record<string, string>): Service {
  const child = spawn(process.execPath, [join(repoRoot, script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const collect = (stream: NodeJS.ReadableStream): void => {
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop() ?? '';
      for (const part of parts) {
        try {
          lines.push(JSON.parse(part) as Record<string, unknown>);
        } catch {
          lines.push({ text: part });
        }
      }
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // SIGTERM first: each service then stops what it started (user processes, replicas), which would otherwise
  // outlive it holding this process's pipes open. SIGKILL if it has not gone within 10 s.
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
    child.stdout.destroy();
    child.stderr.destroy();
  });
  return { child, lines, alive: () => child.exitCode === null && child.signalCode === null };
}

const linesWith = (service: Service, field: string, value: unknown): Record<string, unknown>[] =>
  service.lines.filter((l) => l[field] === value);

/** A JSON document that is valid but far past every control message's bound. */
const oversized = JSON.stringify({ key: 'a/b', pad: 'x'.repeat(2 * 1024 * 1024) });

describe('the gateway', () => {
  test('drops garbage on its reply channel, spool:events:scaled and in both hashes, and still serves', async () => {
    const ref = uniqueFunctionRef('echo');
    const ns = ref.namespace;
    const echo = functionFixture(ref, {
      image: 'x',
      command: ['node', 'server.mjs'],
      workingDir: examplePath('echo'),
    });
    const watchdog = await startWatchdog(echo);
    cleanups.push(() => watchdog.close());
    const badFields = {
      functions: [`${ns}/garbage`, `${ns}/forged`, `${ns}/invalid`],
      statuses: [`${ns}/garbage`, `${ns}/stolen`],
    };
    cleanups.push(() =>
      redis
        .multi()
        .hdel(LOCAL_FUNCTIONS_KEY, functionKey(ref), ...badFields.functions)
        .hdel(REPLICA_STATUS_KEY, functionKey(ref), ...badFields.statuses)
        .exec(),
    );
    // Read once at start-up: a good entry beside three bad ones, and two bad replica statuses.
    await redis
      .multi()
      .hset(LOCAL_FUNCTIONS_KEY, functionKey(ref), encodeStoredFunction(echo))
      .hset(LOCAL_FUNCTIONS_KEY, `${ns}/garbage`, 'not json')
      .hset(LOCAL_FUNCTIONS_KEY, `${ns}/forged`, encodeStoredFunction(echo))
      .hset(
        LOCAL_FUNCTIONS_KEY,
        `${ns}/invalid`,
        JSON.stringify({ ...echo, metadata: { ...echo.metadata, name: 'invalid' }, spec: { image: 7 } }),
      )
      .hset(REPLICA_STATUS_KEY, `${ns}/garbage`, '{"key":')
      .hset(
        REPLICA_STATUS_KEY,
        `${ns}/stolen`,
        encodeReplicaStatus({ key: functionKey(ref), replicas: 9, readyReplicas: 9, reason: 'x', atMs: 0 }),
      )
      .exec();

    const gateway = spawnService('gateway/dist/bundle.js', {
      SPOOL_REDIS_URL: testRedisUrl(),
      SPOOL_REGISTRY: 'local',
      SPOOL_FUNCTIONS_DIR: 'unused',
      SPOOL_HOST: '127.0.0.1',
      SPOOL_PORT: '0',
      SPOOL_QUEUE_WAIT_MS: '10000',
    });
    // A cold start of a Node process is a few seconds on a loaded two-core machine.
    const listening = await eventually(
      () => {
        const [line] = linesWith(gateway, 'msg', 'gateway listening');
        if (line === undefined)
          throw new Error(`not listening yet (alive: ${gateway.alive()}): ${JSON.stringify(gateway.lines)}`);
        return line;
      },
      { timeoutMs: 30_000 },
    );
    const url = `http://127.0.0.1:${String(listening['port'])}`;
    const gatewayId = String(listening['gatewayId']);
    const replies = functionReplyChannel(ref, gatewayId);
    // Another function's scope: Redis ACL lets only that function publish here, so it cannot answer ref's calls.
    const otherScope = functionReplyChannel({ namespace: ns, name: 'forger' }, gatewayId);
    const call = (name: string): Promise<Response> =>
      fetch(`${url}/function/${name}.${ns}`, { method: 'POST', body: 'hello' });

    // While it runs: garbage on both channels it subscribes to for calls, and change notices for bad entries.
    const garbage = ['not json', '', 'null', '[]', '{"callId":1}', oversized];
    const forgedReply = JSON.stringify({
      callId: callId(ref, randomUUID()),
      result: {
        status: 200,
        headers: { 'set-cookie': 'a\r\nb' },
        bodyBase64: '',
        startedAtMs: 0,
        finishedAtMs: 0,
        attempt: 1,
      },
    });
    for (const message of [...garbage, forgedReply]) await redis.publish(replies, message);
    await redis.publish(otherScope, forgedReply);
    for (const message of [...garbage, '{"key":"a/b","replicas":-1,"readyReplicas":0,"reason":"","atMs":0}'])
      await redis.publish(channels.scaled, message);
    for (const message of ['../../etc/passwd', ...badFields.functions])
      await redis.publish(channels.functions, message);
    // A good status after the garbage still lands: the metrics show it.
    await redis.publish(
      channels.scaled,
      encodeReplicaStatus({
        key: functionKey(ref),
        replicas: 3,
        readyReplicas: 3,
        reason: 'manual',
        atMs: 1,
      }),
    );

    const res = await call('echo');
    expect({ status: res.status, body: await res.text() }).toEqual({ status: 200, body: 'hello' });
    expect((await Promise.all(['garbage', 'forged', 'invalid'].map(call))).map((r) => r.status)).toEqual([
      404, 404, 404,
    ]);
    await eventually(async () => {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain(`gateway_service_count{function_name="echo.${ns}"} 3`);
    });
    const sources = new Set(linesWith(gateway, 'msg', 'dropped a malformed message').map((l) => l['source']));
    expect([...sources].sort()).toEqual(
      [
        gatewayReplyPattern(gatewayId),
        channels.scaled,
        channels.functions,
        LOCAL_FUNCTIONS_KEY,
        REPLICA_STATUS_KEY,
      ].sort(),
    );
    // Logged at most once per source per 10 s, however many arrived.
    expect(linesWith(gateway, 'msg', 'dropped a malformed message').length).toBe(sources.size);
    expect({ alive: gateway.alive(), health: (await fetch(`${url}/healthz`)).status }).toEqual({
      alive: true,
      health: 200,
    });
  });
});

describe('the watchdog', () => {
  test('fails malformed jobs with a reason, unretried, and answers the next good job', async () => {
    const ref = uniqueFunctionRef('echo');
    const spec = { image: 'x', command: ['node', 'server.mjs'], workingDir: examplePath('echo') };
    const watchdog = spawnService('watchdog/dist/main.js', {
      SPOOL_FUNCTION_NAME: ref.name,
      SPOOL_FUNCTION_NAMESPACE: ref.namespace,
      SPOOL_FUNCTION_SPEC: JSON.stringify(spec),
      SPOOL_REDIS_URL: testRedisUrl(),
      SPOOL_WATCHDOG_HOST: '127.0.0.1',
      SPOOL_WATCHDOG_PORT: '0',
      SPOOL_USER_PORT: String(await freePort()),
    });
    const queue = new Queue(queueName(ref), { connection: { url: testRedisUrl() }, prefix: KEY_PREFIX });
    cleanups.push(async () => {
      await queue.obliterate({ force: true });
      await queue.close();
    });
    const gatewayId = `malformed-${randomUUID().slice(0, 8)}`;
    const replies = new Map<string, InvocationResult>();
    const subscriber = new Redis(testRedisUrl());
    cleanups.push(() => subscriber.quit());
    subscriber.on('message', (_channel: string, message: string) => {
      const reply = decodeReply(message);
      // Small results only here: each reply carries its result, never a completed notice.
      if (reply.ok && 'result' in reply.value) replies.set(reply.value.callId, reply.value.result);
    });
    await subscriber.subscribe(replyChannel(gatewayId));

    const job = (over: Partial<InvocationJob> = {}): InvocationJob & { jobId: string } => {
      const jobId = randomUUID();
      return {
        ...syncInvocationJob({
          callId: callId(ref, jobId),
          request: {
            method: 'POST',
            path: '/',
            query: '',
            headers: {},
            bodyBase64: Buffer.from('hi').toString('base64'),
          },
          replyTo: replyChannel(gatewayId),
          trace: {},
          enqueuedAtMs: Date.now(),
          expiresAtMs: Date.now() + 30_000,
        }),
        ...over,
        jobId,
      };
    };
    const other: FunctionRef = { namespace: ref.namespace, name: 'other' };
    const bad = [
      { name: 'not an object', data: 'job' as unknown },
      { name: 'another version', data: { ...job(), version: 2 } },
      { name: 'a call of another function', data: { ...job(), callId: callId(other, randomUUID()) } },
      { name: 'a reply channel of no gateway', data: job({ replyTo: channels.scaled }) },
      {
        name: 'a header with CR LF',
        data: job({ request: { ...job().request, headers: { a: 'x\r\ny: z' } } }),
      },
      { name: 'a body that is not base64', data: job({ request: { ...job().request, bodyBase64: '***' } }) },
    ];
    const badIds = await Promise.all(
      bad.map(async ({ data }) => {
        const jobId = randomUUID();
        await queue.add('invoke', data, { jobId, attempts: 3 });
        return jobId;
      }),
    );
    const good = job();
    await queue.add('invoke', good, { jobId: good.jobId });

    const result = await eventually(
      () => {
        const reply = replies.get(good.callId);
        if (reply === undefined) throw new Error('no reply yet');
        return reply;
      },
      { timeoutMs: 30_000 },
    );
    expect({ status: result.status, body: Buffer.from(result.bodyBase64, 'base64').toString() }).toEqual({
      status: 200,
      body: 'hi',
    });
    const failed = await eventually(async () => {
      const jobs = await Promise.all(badIds.map((id) => Job.fromId(queue, id)));
      const states = await Promise.all(jobs.map((j) => (j ? j.getState() : Promise.resolve('missing'))));
      expect(states).toEqual(bad.map(() => 'failed'));
      return jobs;
    });
    expect(
      failed.map((j) => ({
        code: parseFailureReason(j?.failedReason ?? '').code,
        refused: j?.failedReason.startsWith('INVALID_REQUEST: job refused: '),
        attemptsMade: j?.attemptsMade,
      })),
    ).toEqual(bad.map(() => ({ code: 'INVALID_REQUEST', refused: true, attemptsMade: 1 })));
    expect(failed[3]?.failedReason).toContain('replyTo: must be a gateway reply channel');
    expect(watchdog.alive()).toBe(true);
  });
});

describe("the controller's autoscaler", () => {
  test('drops garbage on the wake and scale-request channels and still scales', async () => {
    const ref = uniqueFunctionRef('scaled');
    const dir = mkdtempSync(join(tmpdir(), 'spool-malformed-'));
    cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    writeFileSync(
      join(dir, 'fn.yaml'),
      [
        'apiVersion: spool.dev/v1alpha1',
        'kind: Function',
        `metadata: { name: ${ref.name}, namespace: ${ref.namespace} }`,
        'spec: { image: fixture, command: [node, server.mjs], scale: { min: 0, max: 3 } }',
        '',
      ].join('\n'),
    );
    const key = functionKey(ref);
    cleanups.push(() => redis.multi().hdel(REPLICA_STATUS_KEY, key).hdel(LOCAL_FUNCTIONS_KEY, key).exec());
    const controller = spawnService('controller/dist/bundle.js', {
      SPOOL_REDIS_URL: testRedisUrl(),
      SPOOL_RUNTIME: 'process',
      SPOOL_FUNCTIONS_DIR: dir,
      SPOOL_STATE_DIR: join(dir, 'state'),
      SPOOL_WATCHDOG_COMMAND: JSON.stringify([
        process.execPath,
        join(repoRoot, 'test', 'fixtures', 'controller', 'fake-watchdog.mjs'),
      ]),
      // Only messages tick the function: the poll would scale it anyway and hide a dead subscriber.
      SPOOL_SCALE_INTERVAL_MS: '600000',
      SPOOL_METRICS_HOST: '127.0.0.1',
      SPOOL_METRICS_PORT: '0',
    });
    const status = async (): Promise<ReplicaStatus | undefined> => {
      const raw = await redis.hget(REPLICA_STATUS_KEY, key);
      const decoded = raw === null ? undefined : decodeStoredReplicaStatus(key, raw);
      return decoded?.ok ? decoded.value : undefined;
    };
    await eventually(async () => expect(await status()).toMatchObject({ replicas: 0 }), {
      timeoutMs: 30_000,
    });

    const garbage = ['not json', '', 'null', '[]', '{"key":1}', oversized, '{"key":"a/b","replicas":-1}'];
    for (const message of [...garbage, 'default/../../x', `${key}/extra`])
      await redis.publish(channels.wake, message);
    const unbounded = [1.5, -1, '2', 1e9, 9007199254740991].map((replicas) =>
      JSON.stringify({ key, replicas }),
    );
    const unknown = encodeScaleRequest({ key: `${ref.namespace}/nobody`, replicas: 1 });
    for (const message of [...garbage, ...unbounded, unknown])
      await redis.publish(channels.scaleRequest, message);

    // A wake after the garbage still ticks the function: one queued call brings it from zero to one.
    const queue = new Queue(queueName(ref), { connection: { url: testRedisUrl() }, prefix: KEY_PREFIX });
    cleanups.push(async () => {
      await queue.obliterate({ force: true });
      await queue.close();
    });
    await queue.add('invoke', queuedJob(ref));
    await redis.publish(channels.wake, key);
    await eventually(async () => expect(await status()).toMatchObject({ replicas: 1 }), {
      timeoutMs: 15_000,
    });
    // And a scale request still scales.
    await redis.publish(channels.scaleRequest, encodeScaleRequest({ key, replicas: 3 }));
    await eventually(async () => expect(await status()).toMatchObject({ replicas: 3, reason: 'manual' }), {
      timeoutMs: 15_000,
    });
    expect({
      wakeLogged: linesWith(controller, 'msg', 'wake-ignored').length,
      requestLogged: linesWith(controller, 'msg', 'scale-request-ignored').length,
      alive: controller.alive(),
    }).toEqual({ wakeLogged: 1, requestLogged: 1, alive: true });
  });
});

/** A job in the function's queue, for the autoscaler to count (the fake watchdog takes none). */
function queuedJob(ref: FunctionRef): InvocationJob {
  const jobId = randomUUID();
  return syncInvocationJob({
    callId: callId(ref, jobId),
    request: { method: 'GET', path: '/', query: '', headers: {}, bodyBase64: '' },
    replyTo: replyChannel('nobody'),
    trace: {},
    enqueuedAtMs: Date.now(),
    expiresAtMs: Date.now() + 60_000,
  });
}
