// The watchdog against a real Redis and real user processes: round trips, timeouts, crashes, readiness, draining.
import { afterAll, afterEach, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { propagation, type Tracer } from '@opentelemetry/api';
import { core, tracing } from '@opentelemetry/sdk-node';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  BODY_INLINE_MAX_BYTES,
  CALLBACK_QUEUE,
  KEY_PREFIX,
  base64Length,
  callId,
  decodeInvocationResult,
  decodeReply,
  isRecord,
  parseCallId,
  parseJson,
  parseWatchdogConfig,
  queueName,
  requestBodyKey,
  resultBodyKey,
  functionReplyChannel,
  redisAuthEnv,
  gatewayReplyPattern,
  watchdogEnv,
  type CallbackJob,
  type FunctionRef,
  type FunctionSpecInput,
  type InvocationJob,
  type InvocationResult,
  type ResolvedFunction,
} from '@spool/api';
import { readStoredBody, storeBody } from '@spool/node';
import { createWatchdog, silentLogger, type Watchdog } from '@spool/watchdog';
import { eventually } from '../../support/eventually.js';
import { jobInState } from '../../support/jobs.js';
import { IN_PROCESS_LOCK, functionFixture, startOutboxMover } from '../../support/local-functions.js';
import { grantFunctionUser } from '../../support/redis-auth.js';
import { suiteRedis, testRedisAddress, testRedisUrl, uniqueFunctionRef } from '../../support/redis.js';
import { freePort } from '../../support/redis-server.js';

jest.setTimeout(30_000);

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const example = (name: string): string => join(repoRoot, 'examples', name);
const faultyServer = join(repoRoot, 'test', 'fixtures', 'faulty-server.mjs');

interface Harness {
  readonly ref: FunctionRef;
  readonly queue: Queue<InvocationJob>;
  readonly watchdog: Watchdog;
}

const cleanups: (() => Promise<unknown>)[] = [];
/** Each call's reply: its result, or `completed` for a notice that the result is in the job. */
const replies = new Map<string, InvocationResult | 'completed'>();
const gatewayId = randomUUID();
let subscriber: Redis;
let pidDir: string;

beforeAll(async () => {
  pidDir = mkdtempSync(join(tmpdir(), 'spool-watchdog-pids-'));
  subscriber = new Redis(testRedisUrl());
  subscriber.on('pmessage', (_pattern: string, _channel: string, message: string) => {
    const reply = decodeReply(message);
    if (!reply.ok) throw new Error(`a reply that does not decode: ${reply.error}`);
    replies.set(reply.value.callId, 'result' in reply.value ? reply.value.result : 'completed');
  });
  await subscriber.psubscribe(gatewayReplyPattern(gatewayId));
});

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

afterAll(async () => {
  await subscriber.quit();
  rmSync(pidDir, { recursive: true, force: true });
});

/** A watchdog on the test Redis with short kill, start and restart bounds. */
const testWatchdogEnv = (fn: ResolvedFunction, userPort: number): Record<string, string> =>
  watchdogEnv(fn, {
    redisUrl: testRedisAddress(),
    host: '127.0.0.1',
    port: 0,
    userPort,
    lock: IN_PROCESS_LOCK,
    killGraceMs: 300,
    startTimeoutMs: 10_000,
    restartBackoffMaxMs: 1000,
  });

function openQueue(ref: FunctionRef): Queue<InvocationJob> {
  const queue = new Queue<InvocationJob>(queueName(ref), {
    connection: { url: testRedisUrl() },
    prefix: KEY_PREFIX,
  });
  cleanups.push(() => queue.close());
  return queue;
}

/** Builds the watchdog in this process; `start` is left to the test when it wants to watch start-up. */
async function createHarness(spec: FunctionSpecInput, tracer?: Tracer): Promise<Harness> {
  const ref = uniqueFunctionRef();
  const config = parseWatchdogConfig(testWatchdogEnv(functionFixture(ref, spec), await freePort()));
  // As a replica runs: its function's own Redis user, the controller's outbox mover beside it.
  const own = await grantFunctionUser(testRedisUrl(), ref);
  const mover = await startOutboxMover(suiteRedis(), [ref]);
  cleanups.push(() => mover.close());
  const watchdog = createWatchdog({
    config,
    createRedis: () => new Redis(testRedisAddress(), { ...own, maxRetriesPerRequest: null }),
    baseEnv: process.env,
    logger: silentLogger,
    ...(tracer === undefined ? {} : { tracer }),
  });
  cleanups.push(() => watchdog.close());
  return { ref, queue: openQueue(ref), watchdog };
}

async function startHarness(spec: FunctionSpecInput, tracer?: Tracer): Promise<Harness> {
  const harness = await createHarness(spec, tracer);
  await harness.watchdog.start();
  return harness;
}

interface CallOptions {
  readonly method?: string;
  readonly path?: string;
  readonly query?: string;
  readonly body?: Buffer;
  readonly headers?: Record<string, string>;
  readonly kind?: 'sync' | 'async';
  readonly expiresAtMs?: number;
  readonly callbackUrl?: string;
  readonly attempts?: number;
  readonly trace?: Record<string, string>;
  /**
   * The body kept apart, as the gateway keeps one past BODY_INLINE_MAX_BYTES: `stored` is what is written to its
   * key before the add (the body itself unless a test says otherwise; `null` writes nothing).
   */
  readonly apart?: { readonly stored: Buffer | null } | true;
}

const requestOf = (call: CallOptions): InvocationJob['request'] => {
  const body = call.body ?? Buffer.alloc(0);
  return {
    method: call.method ?? 'POST',
    path: call.path ?? '/',
    query: call.query ?? '',
    headers: call.headers ?? {},
    ...(call.apart === undefined
      ? { bodyBase64: body.toString('base64') }
      : { bodyBase64: '', bodyStoredBytes: body.length }),
  };
};

/** Writes a kept-apart body to its key before the add, as the gateway does. */
async function storeApartBody(ref: FunctionRef, jobId: string, call: CallOptions): Promise<void> {
  if (call.apart === undefined) return;
  const stored = call.apart === true ? (call.body ?? Buffer.alloc(0)) : call.apart.stored;
  if (stored === null) return;
  const redis = new Redis(testRedisUrl());
  try {
    await storeBody(redis, requestBodyKey(ref, jobId), stored, 60_000);
  } finally {
    redis.disconnect();
  }
}

/**
 * As the gateway builds it: sync calls reply on this file's channel, scoped to the call's function (the only
 * channel its Redis user may publish on); async ones may carry a callback URL.
 */
function invocationJob(ref: FunctionRef, id: string, call: CallOptions): InvocationJob {
  const kind = call.kind ?? 'sync';
  return {
    version: 1,
    callId: id,
    kind,
    request: requestOf(call),
    ...(kind === 'sync' ? { replyTo: functionReplyChannel(ref, gatewayId) } : {}),
    ...(call.callbackUrl === undefined ? {} : { callbackUrl: call.callbackUrl }),
    ...(call.expiresAtMs === undefined ? {} : { expiresAtMs: call.expiresAtMs }),
    trace: call.trace ?? {},
    enqueuedAtMs: Date.now(),
  };
}

/** Enqueues a call and returns its call id (the BullMQ job id is its last part). */
async function enqueue(harness: Pick<Harness, 'ref' | 'queue'>, call: CallOptions = {}): Promise<string> {
  const jobId = randomUUID();
  const id = callId(harness.ref, jobId);
  await storeApartBody(harness.ref, jobId, call);
  await harness.queue.add('invoke', invocationJob(harness.ref, id, call), {
    jobId,
    attempts: call.attempts ?? 1,
  });
  return id;
}

const jobIdOf = (id: string): string => id.split('.')[2] ?? id;

/** The call's result from its reply, or, after a completed notice, from its job as the gateway reads it. */
async function awaitReply(id: string, timeoutMs = 10_000): Promise<InvocationResult> {
  const reply = await eventually(
    () => {
      const result = replies.get(id);
      if (result === undefined) throw new Error(`no reply yet for ${id}`);
      return result;
    },
    { timeoutMs },
  );
  if (reply !== 'completed') return reply;
  const call = parseCallId(id);
  if (call === undefined) throw new Error(`not a call id: ${id}`);
  const job = await Job.fromId(openQueue(call.ref), call.jobId);
  const result = decodeInvocationResult(job?.returnvalue);
  if (!result.ok) throw new Error(`the completed job's result does not decode: ${result.error}`);
  return result.value;
}

async function finishedJob(
  harness: Harness,
  id: string,
  state: 'completed' | 'failed',
): Promise<Job<InvocationJob>> {
  return eventually(() => jobInState(harness.queue, jobIdOf(id), state));
}

async function call(harness: Harness, options: CallOptions = {}): Promise<InvocationResult> {
  return awaitReply(await enqueue(harness, options));
}

/** A result's body as the gateway reads it: inline, or from the call's result key when it was kept apart. */
async function resultBody(id: string, result: InvocationResult): Promise<Buffer> {
  if (result.bodyStoredBytes === undefined) return Buffer.from(result.bodyBase64, 'base64');
  const call = parseCallId(id);
  if (call === undefined) throw new Error(`not a call id: ${id}`);
  const redis = new Redis(testRedisUrl());
  try {
    const raw = await readStoredBody(redis, resultBodyKey(call.ref, call.jobId));
    if (raw === null) throw new Error(`no result body stored for ${id}`);
    return raw;
  } finally {
    redis.disconnect();
  }
}

const bodyText = (result: InvocationResult): string =>
  Buffer.from(result.bodyBase64, 'base64').toString('utf8');

async function probe(harness: Harness, path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${harness.watchdog.port()}${path}`);
  return { status: res.status, text: await res.text() };
}

/** Alive and not a zombie: an orphan nobody has reaped yet is already dead. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const faultySpec = (over: Partial<FunctionSpecInput> = {}): FunctionSpecInput => ({
  image: 'fixture',
  command: ['node', faultyServer],
  timeoutSeconds: 1,
  concurrency: 4,
  ...over,
  // The user process sees only its spec's env (issue 11, item 2).
  env: [{ name: 'PID_DIR', value: pidDir }, ...(over.env ?? [])],
});

describe('http mode', () => {
  test('a binary body with every byte value survives the round trip through examples/echo', async () => {
    const harness = await startHarness({
      image: 'echo',
      command: ['node', 'server.mjs'],
      workingDir: example('echo'),
    });
    const body = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const id = await enqueue(harness, { body, headers: { 'content-type': 'application/x-bytes' } });

    const reply = await awaitReply(id);
    expect(reply).toMatchObject({
      status: 200,
      attempt: 1,
      headers: { 'content-type': 'application/x-bytes' },
    });
    expect(reply.error).toBeUndefined();
    expect(Buffer.from(reply.bodyBase64, 'base64').equals(body)).toBe(true);
    const job = await finishedJob(harness, id, 'completed');
    expect(job.returnvalue).toEqual(reply);
  });

  test('/_/ready is 503 until the user process accepts connections, then 200', async () => {
    const harness = await createHarness(faultySpec({ env: [{ name: 'START_DELAY_MS', value: '1500' }] }));
    const started = harness.watchdog.start();
    await eventually(() => expect(harness.watchdog.port()).toBeGreaterThan(0));

    expect(await probe(harness, '/_/ready')).toEqual({ status: 503, text: 'starting\n' });
    expect((await probe(harness, '/_/health')).status).toBe(200);
    await started;
    await eventually(async () =>
      expect(await probe(harness, '/_/ready')).toEqual({ status: 200, text: 'ready\n' }),
    );
  });

  test('a call past its timeout answers 504, kills the process group with its grandchild, and the next call runs', async () => {
    const harness = await startHarness(faultySpec({ env: [{ name: 'IGNORE_SIGTERM', value: '1' }] }));

    const id = await enqueue(harness, { path: '/hang' });
    const timedOut = await awaitReply(id);
    expect(timedOut).toMatchObject({
      status: 504,
      error: { code: 'CALL_TIMEOUT', message: 'call ran past 1 s' },
    });
    const pids = JSON.parse(readFileSync(join(pidDir, `${id}.json`), 'utf8')) as {
      server: number;
      grandchild: number;
    };
    expect(isAlive(pids.server)).toBe(false);
    await eventually(() => expect(isAlive(pids.grandchild)).toBe(false));

    const next = await call(harness, { method: 'GET' });
    expect(next.status).toBe(200);
    expect((JSON.parse(bodyText(next)) as { pid: number }).pid).not.toBe(pids.server);
    const metrics = await probe(harness, '/metrics');
    expect(metrics.text).toMatch(/spool_watchdog_call_timeouts_total\{[^}]*\} 1/);
    expect(metrics.text).toMatch(/spool_watchdog_user_process_restarts_total\{reason="timeout"[^}]*\} 1/);
  });

  test('with concurrency 4 a late call alone is answered 504 at once; the three beside it answer 200, then the process is replaced', async () => {
    const harness = await startHarness(faultySpec({ timeoutSeconds: 4 }));
    const pidOf = (result: InvocationResult): number => (JSON.parse(bodyText(result)) as { pid: number }).pid;
    const arrivals: string[] = [];
    const reply = (id: string): Promise<InvocationResult> =>
      awaitReply(id, 15_000).then((result) => {
        arrivals.push(id);
        return result;
      });

    const late = await enqueue(harness, { path: '/hang' });
    const hung = await eventually(
      () => JSON.parse(readFileSync(join(pidDir, `${late}.json`), 'utf8')) as { server: number },
    );
    // Scenario timing, not a wait for a condition: the three start 1.5 s into the late call and take 3 s, so
    // they are running when it times out at 4 s and end at about 4.5 s, well within their own 5.5 s deadline.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const inTime = await Promise.all(
      Array.from({ length: 3 }, () => enqueue(harness, { method: 'GET', path: '/slow', query: 'ms=3000' })),
    );
    const inTimeReplies = Promise.all(inTime.map(reply));

    const lateResult = await reply(late);
    expect(lateResult).toMatchObject({ status: 504, error: { code: 'CALL_TIMEOUT' } });
    expect(arrivals).toEqual([late]);
    // Draining: the replica pulls no new call; one sent now is taken once the replacement is ready.
    expect(await probe(harness, '/_/ready')).toEqual({
      status: 503,
      text: 'the user process is being replaced after a call timed out\n',
    });
    const next = await enqueue(harness, { method: 'GET' });

    const answered = await inTimeReplies;
    // Not pulled while the process was replaced: it stayed in the queue, free for another replica to take.
    expect(await harness.queue.getJobState(jobIdOf(next))).toBe('waiting');
    expect(answered.map((r) => [r.status, pidOf(r)])).toEqual(Array(3).fill([200, hung.server]));
    const replaced = await reply(next);
    expect(replaced.status).toBe(200);
    expect(pidOf(replaced)).not.toBe(hung.server);
    expect(isAlive(hung.server)).toBe(false);

    const results = [lateResult, ...answered, replaced];
    expect({
      sent: [late, ...inTime, next].length,
      answered: arrivals.length,
      timedOut: results.filter((r) => r.status === 504).length,
      ok: results.filter((r) => r.status === 200).length,
      failed: results.filter((r) => r.status !== 200 && r.status !== 504).length,
    }).toEqual({ sent: 5, answered: 5, timedOut: 1, ok: 4, failed: 0 });
    await eventually(async () =>
      expect(await probe(harness, '/_/ready')).toEqual({ status: 200, text: 'ready\n' }),
    );
    const metrics = (await probe(harness, '/metrics')).text;
    expect(metrics).toMatch(/spool_watchdog_call_timeouts_total\{[^}]*\} 1/);
    expect(metrics).toMatch(/spool_watchdog_user_process_restarts_total\{reason="timeout"[^}]*\} 1/);
  });

  test('a user process that crashes mid-call answers 502 FUNCTION_CRASHED and is restarted', async () => {
    const harness = await startHarness(faultySpec({ timeoutSeconds: 5 }));

    const crashed = await call(harness, { path: '/crash' });
    expect(crashed).toMatchObject({ status: 502, error: { code: 'FUNCTION_CRASHED' } });
    expect(crashed.error?.message).toContain('exited with code 3');

    const next = await call(harness, { method: 'GET', path: '/after' });
    expect(next.status).toBe(200);
    expect(JSON.parse(bodyText(next))).toMatchObject({ path: '/after' });
    expect((await probe(harness, '/metrics')).text).toMatch(/restarts_total\{reason="crash"[^}]*\} 1/);
  });

  // Issue 10 item 8: a call that waited out its timeout while the user process restarted never reached user code;
  // it goes back to the queue without using its one attempt and runs once the process is up.
  test('an async call that cannot reach user code during a restart keeps its attempt and runs once ready', async () => {
    const harness = await startHarness(
      faultySpec({ timeoutSeconds: 1, env: [{ name: 'START_DELAY_MS', value: '2500' }] }),
    );
    expect(await call(harness, { path: '/crash' })).toMatchObject({ error: { code: 'FUNCTION_CRASHED' } });

    const id = await enqueue(harness, { kind: 'async', method: 'GET', path: '/after-restart', attempts: 1 });
    const job = await eventually(() => finishedJob(harness, id, 'completed'), { timeoutMs: 15_000 });
    const result = job.returnvalue as InvocationResult;
    expect({
      status: result.status,
      path: (JSON.parse(bodyText(result)) as { path: string }).path,
      attempt: result.attempt,
      attemptsMade: job.attemptsMade,
      deferred: job.attemptsStarted > 1,
    }).toEqual({ status: 200, path: '/after-restart', attempt: 1, attemptsMade: 1, deferred: true });
  });

  test('the call runs in a watchdog.invoke span under the trace carried in the job, and the trace reaches user code', async () => {
    propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
    cleanups.push(() => Promise.resolve(propagation.disable()));
    const exporter = new tracing.InMemorySpanExporter();
    const provider = new tracing.BasicTracerProvider({
      spanProcessors: [new tracing.SimpleSpanProcessor(exporter)],
    });
    const harness = await startHarness(faultySpec(), provider.getTracer('test'));
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentSpanId = '00f067aa0ba902b7';

    const id = await enqueue(harness, {
      method: 'GET',
      trace: { traceparent: `00-${traceId}-${parentSpanId}-01` },
    });
    const reply = await awaitReply(id);

    const span = await eventually(() => {
      const found = exporter.getFinishedSpans().find((s) => s.name === 'watchdog.invoke');
      if (found === undefined) throw new Error('no watchdog.invoke span yet');
      return found;
    });
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.parentSpanContext?.spanId).toBe(parentSpanId);
    expect(span.attributes).toMatchObject({ 'spool.call_id': id, 'http.response.status_code': 200 });
    expect(span.attributes['spool.queue_wait_ms']).toEqual(expect.any(Number));
    const seen = JSON.parse(bodyText(reply)) as { traceparent: string };
    expect(seen.traceparent).toBe(`00-${traceId}-${span.spanContext().spanId}-01`);
  });

  test('a sync call whose caller already got 504 is skipped without running', async () => {
    const harness = await startHarness(faultySpec());

    const id = await enqueue(harness, { path: '/crash', expiresAtMs: Date.now() - 1000 });
    const job = await finishedJob(harness, id, 'completed');
    expect(job.returnvalue).toBeNull();
    expect(replies.has(id)).toBe(false);
    const metrics = (await probe(harness, '/metrics')).text;
    expect(metrics).toMatch(/spool_watchdog_expired_calls_skipped_total\{[^}]*\} 1/);
    expect(metrics).not.toMatch(/restarts_total\{reason="crash"/);
  });

  test('an async call that keeps failing is retried, kept as failed with a readable reason, and called back', async () => {
    const harness = await startHarness(faultySpec());
    const callbacks = new Queue<CallbackJob>(CALLBACK_QUEUE, {
      connection: { url: testRedisUrl() },
      prefix: KEY_PREFIX,
    });
    cleanups.push(() => callbacks.close());

    const id = await enqueue(harness, {
      kind: 'async',
      path: '/status',
      query: 'code=500',
      attempts: 2,
      callbackUrl: 'http://127.0.0.1:1/hook',
    });
    const job = await finishedJob(harness, id, 'failed');
    expect(job.attemptsMade).toBe(2);
    expect(job.failedReason).toBe('function answered 500');

    const callback = await eventually(async () => {
      const found = await callbacks.getJob(id);
      expect(found).toBeDefined();
      return found as Job<CallbackJob>;
    });
    expect(callback.data).toMatchObject({
      callId: id,
      callbackUrl: 'http://127.0.0.1:1/hook',
      result: { status: 500, attempt: 2 },
    });
    await callback.remove();
  });
});

// Issue 11 item 5: a response past spec.maxResponseBytes is cut off where it crosses the limit, never read whole.
describe('response limit', () => {
  const MiB = 1024 * 1024;
  const sentBy = (id: string): number => Number(readFileSync(join(pidDir, `${id}.sent`), 'utf8'));

  test('600 MB streamed against the default 8 MiB limit: 502 RESPONSE_TOO_LARGE, read no further, the process serves on', async () => {
    const harness = await startHarness(faultySpec({ timeoutSeconds: 30 }));
    const id = await enqueue(harness, { method: 'GET', path: '/big', query: `bytes=${600 * MiB}` });
    const result = await awaitReply(id, 30_000);
    expect(result).toMatchObject({ status: 502, error: { code: 'RESPONSE_TOO_LARGE' } });
    expect(result.error?.message).toContain(`spec.maxResponseBytes (${8 * MiB} bytes)`);
    // What the server got out before its client left: the limit plus what the sockets' buffers held.
    const sent = await eventually(() => sentBy(id));
    expect(sent).toBeLessThan(16 * MiB);

    const next = await call(harness, { method: 'GET', path: '/after' });
    expect(next.status).toBe(200);
  });

  test('a declared Content-Length past the limit is refused before the body is read', async () => {
    const harness = await startHarness(faultySpec({ maxResponseBytes: MiB }));
    const id = await enqueue(harness, {
      method: 'GET',
      path: '/big',
      query: `bytes=${600 * MiB}&declare=1`,
    });
    const result = await awaitReply(id);
    expect(result).toMatchObject({ status: 502, error: { code: 'RESPONSE_TOO_LARGE' } });
    expect(result.error?.message).toContain(`${600 * MiB} bytes or more`);
    expect(await eventually(() => sentBy(id))).toBeLessThan(8 * MiB);
  });

  test.each([
    { bytes: MiB, declare: '0', status: 200 },
    { bytes: MiB, declare: '1', status: 200 },
    { bytes: MiB + 1, declare: '0', status: 502 },
    { bytes: MiB + 1, declare: '1', status: 502 },
  ])(
    '$bytes bytes (declared: $declare) against a 1 MiB limit: $status',
    async ({ bytes, declare, status }) => {
      const harness = await startHarness(faultySpec({ maxResponseBytes: MiB }));
      const id = await enqueue(harness, {
        method: 'GET',
        path: '/big',
        query: `bytes=${bytes}&declare=${declare}`,
      });
      const result = await awaitReply(id);
      expect({
        status: result.status,
        bytes: status === 200 ? (await resultBody(id, result)).length : 0,
      }).toEqual({ status, bytes: status === 200 ? bytes : 0 });
    },
  );

  test('fork mode: stdout past the limit answers 502 RESPONSE_TOO_LARGE and the process group is killed', async () => {
    const script = `echo $$ > "${pidDir}/$SPOOL_CALL_ID.pid"; exec cat /dev/zero`;
    const harness = await startHarness({
      image: 'sh',
      command: ['sh', '-c', script],
      mode: 'fork',
      maxResponseBytes: MiB,
    });
    const id = await enqueue(harness);
    expect(await awaitReply(id)).toMatchObject({ status: 502, error: { code: 'RESPONSE_TOO_LARGE' } });
    const pid = Number(readFileSync(join(pidDir, `${id}.pid`), 'utf8'));
    await eventually(() => expect(isAlive(pid)).toBe(false));
  });
});

describe('bodies kept apart in their own keys', () => {
  const KiB = 1024;
  const MiB = 1024 * KiB;
  const echoSpec = (): FunctionSpecInput => ({
    image: 'echo',
    command: ['node', 'server.mjs'],
    workingDir: example('echo'),
    maxBodyBytes: 16 * MiB,
    maxResponseBytes: 16 * MiB,
  });
  const withAdmin = async <T>(use: (redis: Redis) => Promise<T>): Promise<T> => {
    const redis = new Redis(testRedisUrl());
    try {
      return await use(redis);
    } finally {
      redis.disconnect();
    }
  };

  test.each([
    { name: '0 bytes', bytes: 0 },
    { name: '1 KiB', bytes: KiB },
    { name: '1 MiB', bytes: MiB },
    { name: '8 MiB', bytes: 8 * MiB },
  ])('a $name body and its echoed result round-trip byte-exact', async ({ bytes }) => {
    const harness = await startHarness(echoSpec());
    const body = Buffer.alloc(bytes);
    for (let i = 0; i < bytes; i += 4096) body.writeUInt32BE(i, i);
    const apart = bytes > BODY_INLINE_MAX_BYTES;
    const id = await enqueue(harness, { body, ...(apart ? { apart: true } : {}) });
    const result = await awaitReply(id, 30_000);
    const echoed = await resultBody(id, result);
    const call = parseCallId(id);
    if (call === undefined) throw new Error(`not a call id: ${id}`);
    // An answered sync call with a body kept apart keeps nothing: its job and request body go once it completes.
    await eventually(async () => {
      const left = await withAdmin(async (redis) => ({
        job: await redis.exists(`${KEY_PREFIX}:${queueName(call.ref)}:${call.jobId}`),
        body: await redis.exists(requestBodyKey(call.ref, call.jobId)),
      }));
      expect(left).toEqual(apart ? { job: 0, body: 0 } : { job: 1, body: 0 });
    });
    expect({
      status: result.status,
      recorded: result.bodyStoredBytes,
      inlineChars: result.bodyBase64.length,
      same: echoed.equals(body),
    }).toEqual({
      status: 200,
      recorded: apart ? bytes : undefined,
      inlineChars: apart ? 0 : base64Length(bytes),
      same: true,
    });
  });

  test.each([
    { name: 'deleted before the watchdog reads it', stored: null, want: /gone from Redis/ },
    {
      name: 'truncated',
      stored: Buffer.alloc(MiB - 1),
      want: /holds 1048575 bytes, its job recorded 1048576/,
    },
  ])('a sync call whose body is $name is answered PAYLOAD_LOST, never run', async ({ stored, want }) => {
    const harness = await startHarness(echoSpec());
    const id = await enqueue(harness, { body: Buffer.alloc(MiB, 1), apart: { stored } });
    const result = await awaitReply(id);
    expect({ status: result.status, code: result.error?.code }).toEqual({
      status: 503,
      code: 'PAYLOAD_LOST',
    });
    expect(result.error?.message).toMatch(want);
  });

  test('an async call whose body is gone fails once, unretried, with PAYLOAD_LOST as its reason', async () => {
    const harness = await startHarness(echoSpec());
    const id = await enqueue(harness, {
      kind: 'async',
      attempts: 3,
      body: Buffer.alloc(MiB, 1),
      apart: { stored: null },
    });
    const job = await finishedJob(harness, id, 'failed');
    expect({ attemptsMade: job.attemptsMade, reason: job.failedReason }).toEqual({
      attemptsMade: 1,
      reason: expect.stringMatching(/^PAYLOAD_LOST: the body of call .* is gone from Redis/),
    });
  });
});

describe('fork mode', () => {
  test('examples/wc gets the body on stdin and answers with its stdout', async () => {
    const harness = await startHarness({ image: 'wc', command: ['wc', '-c'], mode: 'fork' });
    const result = await call(harness, { body: Buffer.from('hello, world\n') });
    expect(result).toMatchObject({ status: 200, headers: { 'content-type': 'application/octet-stream' } });
    expect(bodyText(result).trim()).toBe('13');
  });

  test('a non-zero exit answers 502 CALL_FAILED with the stderr tail', async () => {
    const script = 'echo "$SPOOL_HTTP_METHOD $SPOOL_HTTP_PATH?$SPOOL_HTTP_QUERY failed" >&2; exit 4';
    const harness = await startHarness({ image: 'sh', command: ['sh', '-c', script], mode: 'fork' });
    const result = await call(harness, { method: 'PUT', path: '/x', query: 'a=1' });
    expect(result).toMatchObject({
      status: 502,
      error: { code: 'CALL_FAILED', message: 'process exited with code 4: PUT /x?a=1 failed' },
    });
  });

  test('a call past its timeout answers 504 and its background children die too', async () => {
    const script = `sleep 30 & echo $! > "${pidDir}/$SPOOL_CALL_ID.pid"; wait`;
    const harness = await startHarness({
      image: 'sh',
      command: ['sh', '-c', script],
      mode: 'fork',
      timeoutSeconds: 1,
    });
    const id = await enqueue(harness);
    expect(await awaitReply(id)).toMatchObject({ status: 504, error: { code: 'CALL_TIMEOUT' } });
    const sleeper = Number(readFileSync(join(pidDir, `${id}.pid`), 'utf8'));
    await eventually(() => expect(isAlive(sleeper)).toBe(false));
  });
});

describe('SIGTERM', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', 'watchdog'], {
      cwd: repoRoot,
    });
  }, 60_000);

  test('drains the calls in flight, each answered 200, then exits 0', async () => {
    const ref = uniqueFunctionRef('sleep');
    const spec = {
      image: 'sleep',
      command: ['node', 'server.mjs'],
      workingDir: example('sleep'),
      concurrency: 8,
    };
    const env = {
      ...process.env,
      ...testWatchdogEnv(functionFixture(ref, spec), await freePort()),
      ...redisAuthEnv(await grantFunctionUser(testRedisUrl(), ref)),
    };
    const child = spawn(process.execPath, [join(repoRoot, 'watchdog/dist/main.js')], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    });
    const queue = openQueue(ref);
    const harness = { ref, queue };

    const ids = await Promise.all(
      Array.from({ length: 8 }, () => enqueue(harness, { method: 'GET', query: 'ms=1500' })),
    );
    await eventually(async () => expect(await queue.getActiveCount()).toBe(8), { timeoutMs: 15_000 });
    child.kill('SIGTERM');
    child.kill('SIGTERM');

    expect(await exited).toBe(0);
    const results = await Promise.all(ids.map((id) => awaitReply(id, 1000)));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(await queue.getCompletedCount()).toBe(8);
    // Every line the watchdog wrote is the shared JSON format: time, level and component on each.
    const lines = stderr
      .trim()
      .split('\n')
      .map((line) => parseJson(line))
      .flatMap((parsed) => (parsed.ok && isRecord(parsed.value) ? [parsed.value] : []));
    expect(lines).toEqual(
      lines.map(() =>
        expect.objectContaining({
          level: expect.stringMatching(/^(info|warn|error)$/),
          time: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/),
          component: 'watchdog',
        }),
      ),
    );
    expect(lines).toContainEqual(expect.objectContaining({ level: 'info', msg: 'shut down', clean: true }));
  });
});
