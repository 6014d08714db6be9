// The callback outbox on real Redis: a function's own user writes the callback of its call into its own keyspace,
// the controller's user moves it to the shared callback queue, and a forged entry for another function's call is
// dropped. The function's user never touches the shared queue.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  CALLBACK_OUTBOX_PATTERN,
  CALLBACK_QUEUE,
  CONTROLLER_USER,
  KEY_PREFIX,
  MAX_CALLBACK_ATTEMPTS,
  callId,
  callbackOutboxKey,
  functionUserName,
  parseCallbackOutboxChannel,
  type CallbackJob,
  type FunctionRef,
} from '@spool/api';
import {
  applyFunctionUser,
  applyServiceUsers,
  drainCallbackOutbox,
  newRedisPassword,
  observeOutboxes,
} from '@spool/controller';
import { pushCallbackToOutbox } from '@spool/watchdog';
import { eventually } from '../support/eventually.js';
import { capturedLog } from '../support/logs.js';
import { uniqueFunctionRef } from '../support/redis.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

jest.setTimeout(30_000);

let server: RedisServer;
let controller: Redis;
let notices: Redis;
let fn: Redis;
let callbacks: Queue<CallbackJob>;
const ref: FunctionRef = uniqueFunctionRef('async');
const noticed: FunctionRef[] = [];
const { log, lines: logged } = capturedLog();

const callbackOf = (owner: FunctionRef, jobId = randomUUID()): CallbackJob => ({
  callId: callId(owner, jobId),
  callbackUrl: 'http://127.0.0.1:9/cb',
  result: { status: 201, headers: {}, bodyBase64: 'aGk=', startedAtMs: 1, finishedAtMs: 2, attempt: 1 },
});

beforeAll(async () => {
  server = await startRedisServer();
  const admin = new Redis(server.url);
  const passwords = { gateway: newRedisPassword(), controller: newRedisPassword() };
  await applyServiceUsers(admin, passwords);
  admin.disconnect();
  const asController = (): Redis =>
    new Redis(server.url, { username: CONTROLLER_USER, password: passwords.controller });
  controller = asController();
  notices = asController();
  const password = newRedisPassword();
  await applyFunctionUser(controller, ref, password);
  fn = new Redis(server.url, { username: functionUserName(ref), password });
  callbacks = new Queue<CallbackJob>(CALLBACK_QUEUE, { connection: controller, prefix: KEY_PREFIX });
  notices.on('pmessage', (_p: string, channel: string) => {
    const notice = parseCallbackOutboxChannel(channel);
    if (notice.ok) noticed.push(notice.value);
  });
  await notices.psubscribe(CALLBACK_OUTBOX_PATTERN);
});

afterAll(async () => {
  await callbacks?.close();
  for (const client of [controller, notices, fn]) client?.disconnect();
  await server?.stop();
});

describe('the callback outbox', () => {
  test('a callback pushed by the function user reaches the shared queue through the controller', async () => {
    const callback = callbackOf(ref);
    await pushCallbackToOutbox(fn, ref, callback);
    await eventually(() => expect(noticed).toContainEqual(ref));
    expect(await observeOutboxes(controller, [ref])).toEqual([1]);

    expect(await drainCallbackOutbox(controller, callbacks, ref, log)).toEqual({ moved: 1, dropped: 0 });
    const job = await Job.fromId<CallbackJob>(callbacks, callback.callId);
    expect(job?.data).toEqual(callback);
    // The delivering gateway stops at its SPOOL_CALLBACK_MAX_ATTEMPTS; BullMQ is asked for the ceiling.
    expect(job?.opts.attempts).toBe(MAX_CALLBACK_ATTEMPTS);
    expect(await controller.llen(callbackOutboxKey(ref))).toBe(0);
  });

  test('an entry moved twice (a controller that died before removing it) is enqueued once', async () => {
    const callback = callbackOf(ref);
    await pushCallbackToOutbox(fn, ref, callback);
    await pushCallbackToOutbox(fn, ref, callback);
    expect(await drainCallbackOutbox(controller, callbacks, ref, log)).toEqual({ moved: 2, dropped: 0 });
    const counts = await callbacks.getJobCounts('waiting');
    expect(counts['waiting']).toBe(2); // this callback and the first test's: one job per call id
  });

  test('a forged entry for another function call, or garbage, is dropped and logged', async () => {
    const other = uniqueFunctionRef('victim');
    await fn.lpush(callbackOutboxKey(ref), JSON.stringify(callbackOf(other)), 'not json');
    expect(await drainCallbackOutbox(controller, callbacks, ref, log)).toEqual({ moved: 0, dropped: 2 });
    expect(logged.map((l) => l['msg'])).toEqual([
      'callback-outbox-entry-dropped',
      'callback-outbox-entry-dropped',
    ]);
    expect(await controller.llen(callbackOutboxKey(ref))).toBe(0);
  });

  test('the function user cannot reach the shared callback queue', async () => {
    const asFunction = new Queue<CallbackJob>(CALLBACK_QUEUE, { connection: fn, prefix: KEY_PREFIX });
    await expect(asFunction.add('callback', callbackOf(ref))).rejects.toThrow(/NOPERM|can't access/);
    await expect(fn.llen(`${KEY_PREFIX}:${CALLBACK_QUEUE}:wait`)).rejects.toThrow(/NOPERM/);
    await asFunction.close();
  });
});
