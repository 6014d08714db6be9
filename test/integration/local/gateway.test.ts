// The gateway on a real Redis with real watchdogs and user processes: every status a caller can get.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createHash, randomUUID } from 'node:crypto';
import {
  BODY_INLINE_MAX_BYTES,
  FUNCTION_STATUS_KEY,
  FUNCTION_QUEUE_OPTIONS,
  KEY_PREFIX,
  channels,
  encodeReplicaStatus,
  parseCallId,
  queueName,
  requestBodyKey,
  resultBodyKey,
  retainedBytesKey,
  retainedResultsKey,
  type ResolvedFunction,
} from '@spool/api';
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

const echo = testFunction(
  { image: 'x', command: ['node', 'server.mjs'], workingDir: examplePath('echo'), maxBodyBytes: 1024 * 1024 },
  'echo',
);
const sleep = testFunction(
  { image: 'x', command: ['node', 'server.mjs'], workingDir: examplePath('sleep'), timeoutSeconds: 1 },
  'sleep',
);
const wc = testFunction({ image: 'x', command: ['wc', '-c'], mode: 'fork' }, 'wc');
const faulty = testFunction(
  {
    image: 'x',
    command: ['node', fixturePath('faulty-server.mjs')],
    async: { maxAttempts: 2, backoffSeconds: 0 },
  },
  'faulty',
);
/** Takes and answers bodies up to 33 MiB, so 32 MiB travel both ways. */
const echoLarge = testFunction(
  {
    image: 'x',
    command: ['node', 'server.mjs'],
    workingDir: examplePath('echo'),
    maxBodyBytes: 33 * 1024 * 1024,
    maxResponseBytes: 33 * 1024 * 1024,
  },
  'echo-large',
);
/** Retains 2.5 MiB of async results kept apart: two of 1 MiB, not three. */
const echoRetained = testFunction(
  {
    image: 'x',
    command: ['node', 'server.mjs'],
    workingDir: examplePath('echo'),
    maxBodyBytes: 2 * 1024 * 1024,
    async: { retainBytes: 2.5 * 1024 * 1024 },
  },
  'echo-retained',
);
const TOKEN = 'test-admin-token';

let gw: TestGateway;
/** Inspects and plants what the gateway's own user may not (other users' clients, KEYS, the status hash). */
let operator: Redis;
const watchdogs: Watchdog[] = [];

beforeAll(async () => {
  const functions = [echo, sleep, wc, faulty, echoLarge, echoRetained];
  for (const fn of functions) watchdogs.push(await startWatchdog(fn));
  gw = await startGateway(functions, {
    SPOOL_ADMIN_TOKEN: TOKEN,
    SPOOL_QUEUE_WAIT_MS: '5000',
  });
  operator = new Redis(testRedisUrl());
});

afterAll(async () => {
  operator.disconnect();
  await gw.close();
  await Promise.all(watchdogs.map((w) => w.close()));
});

const path = (fn: ResolvedFunction, kind = 'function'): string =>
  `/${kind}/${fn.metadata.name}.${fn.metadata.namespace}`;
const call = (p: string, init?: RequestInit): Promise<Response> => fetch(`${gw.url}${p}`, init);

describe('sync calls', () => {
  test('a binary body of every byte value round-trips, with the call id', async () => {
    const body = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const res = await call(path(echo), {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-bytes' },
    });
    expect({
      status: res.status,
      type: res.headers.get('content-type'),
      body: Buffer.from(await res.arrayBuffer()),
    }).toEqual({
      status: 200,
      type: 'application/x-bytes',
      body,
    });
    expect(res.headers.get('x-call-id')).toMatch(
      new RegExp(`^${echo.metadata.namespace}\\.echo\\.[0-9a-f-]{36}$`),
    );
  });

  test('the path, query, status and headers of the function pass through', async () => {
    const res = await call(`${path(faulty)}/a/b?code=418`);
    expect({
      status: res.status,
      fixture: res.headers.get('x-fixture'),
      body: await res.json(),
    }).toMatchObject({
      status: 418,
      fixture: 'faulty',
      body: { path: '/a/b' },
    });
  });

  test('a status HTTP does not have is 502 INVALID_RESPONSE, answered by the reply, not after the queue wait', async () => {
    const started = Date.now();
    const res = await call(`${path(faulty)}/status?code=700`);
    expect({
      status: res.status,
      code: res.headers.get('x-spool-error'),
      withinQueueWait: Date.now() - started < 5000,
    }).toEqual({ status: 502, code: 'INVALID_RESPONSE', withinQueueWait: true });
  });

  test('fork mode runs one process per call with the body on stdin', async () => {
    const res = await call(path(wc), { method: 'POST', body: 'x'.repeat(12345) });
    expect((await res.text()).trim()).toBe('12345');
  });

  test('an unknown function is 404 FUNCTION_NOT_FOUND', async () => {
    const res = await call('/function/nope');
    expect({ status: res.status, code: res.headers.get('x-spool-error'), body: await res.json() }).toEqual({
      status: 404,
      code: 'FUNCTION_NOT_FOUND',
      body: { code: 'FUNCTION_NOT_FOUND', message: 'function default/nope is not deployed' },
    });
  });

  test('a 10 MB body over the limit is 413 BODY_TOO_LARGE', async () => {
    const res = await call(path(echo), { method: 'POST', body: Buffer.alloc(10 * 1024 * 1024) });
    expect({ status: res.status, code: res.headers.get('x-spool-error') }).toEqual({
      status: 413,
      code: 'BODY_TOO_LARGE',
    });
  });

  test('a call past its timeout is 504 CALL_TIMEOUT, and the next call succeeds', async () => {
    const slow = await call(`${path(sleep)}?ms=3000`);
    expect({ status: slow.status, code: slow.headers.get('x-spool-error') }).toEqual({
      status: 504,
      code: 'CALL_TIMEOUT',
    });
    const next = await call(`${path(sleep)}?ms=5`);
    expect({ status: next.status, body: await next.json() }).toMatchObject({
      status: 200,
      body: { sleptMs: 5 },
    });
  });

  test('a crashing user process is 502 FUNCTION_CRASHED, then recovers', async () => {
    const crash = await call(`${path(faulty)}/crash`);
    expect({ status: crash.status, code: crash.headers.get('x-spool-error') }).toEqual({
      status: 502,
      code: 'FUNCTION_CRASHED',
    });
    const next = await eventually(async () => {
      const res = await call(path(faulty));
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      return res;
    });
    expect(next.status).toBe(200);
  });
});

// Issue 11 item 5: a large result never travels over the shared reply subscriber; a notice does, and the gateway
// reads the result from the job. Calls beside it are answered as usual.
describe('large results', () => {
  const MiB = 1024 * 1024;
  const big = (bytes: number): Promise<Response> => call(`${path(faulty)}/big?bytes=${bytes}`);

  test('6 MiB answered in full while only small notices cross the reply channels; 4 calls beside it answer', async () => {
    const watcher = new Redis(testRedisUrl());
    const commands = new Redis(testRedisUrl());
    let largestReply = 0;
    watcher.on('pmessage', (_pattern: string, _channel: string, message: string) => {
      largestReply = Math.max(largestReply, message.length);
    });
    await watcher.psubscribe('spool:reply:*');
    try {
      const [large, ...small] = await Promise.all([
        big(6 * MiB),
        ...[1, 2, 3, 4].map(() => call(path(faulty))),
      ]);
      expect({
        status: large?.status,
        bytes: Buffer.from((await large?.arrayBuffer()) ?? new ArrayBuffer(0)).length,
        small: small.map((r) => r.status),
      }).toEqual({ status: 200, bytes: 6 * MiB, small: [200, 200, 200, 200] });
      expect(largestReply).toBeGreaterThan(0);
      expect(largestReply).toBeLessThan(64 * 1024 + 1024);
      // No copy in BullMQ's events stream either (FUNCTION_QUEUE_OPTIONS): it would hold 8 MB of base64 here.
      const events = `${KEY_PREFIX}:${queueName({ namespace: faulty.metadata.namespace, name: 'faulty' })}:events`;
      expect(Number(await commands.memory('USAGE', events))).toBeLessThan(MiB);
    } finally {
      await Promise.all([watcher.quit(), commands.quit()]);
    }
  });

  test('a sync call with a large request or result is not kept once answered; a small one is', async () => {
    const jobOf = async (res: Response): Promise<unknown> => {
      const call = parseCallId(res.headers.get('x-call-id') ?? '');
      if (call === undefined) throw new Error('no call id');
      const queue = new Queue(queueName(call.ref), {
        ...FUNCTION_QUEUE_OPTIONS,
        connection: { url: testRedisUrl() },
      });
      try {
        return await queue.getJob(call.jobId);
      } finally {
        await queue.close();
      }
    };
    const largeResult = await big(MiB);
    const largeRequest = await call(path(wc), { method: 'POST', body: Buffer.alloc(512 * 1024, 1) });
    const small = await call(path(wc), { method: 'POST', body: 'hello' });
    expect([largeResult.status, (await largeRequest.text()).trim(), small.status]).toEqual([
      200,
      '524288',
      200,
    ]);
    await eventually(async () => expect(await jobOf(largeResult)).toBeUndefined());
    await eventually(async () => expect(await jobOf(largeRequest)).toBeUndefined());
    expect(await jobOf(small)).toBeDefined();
  });

  test("a result past the function's maxResponseBytes (default 8 MiB) is 502 RESPONSE_TOO_LARGE", async () => {
    const res = await big(9 * MiB);
    expect({ status: res.status, code: res.headers.get('x-spool-error') }).toEqual({
      status: 502,
      code: 'RESPONSE_TOO_LARGE',
    });
  });
});

describe('bodies kept apart from the job (issue 14 item 2)', () => {
  const KiB = 1024;
  const MiB = 1024 * KiB;
  /** Bytes that differ every 4 KiB, so a chunk out of order or lost shows. */
  const patterned = (bytes: number): Buffer => {
    const body = Buffer.alloc(bytes, 0x5a);
    for (let i = 0; i + 4 <= bytes; i += 4096) body.writeUInt32BE(i, i);
    return body;
  };
  const keysOf = async (id: string): Promise<{ job: number; body: number; result: number }> => {
    const call = parseCallId(id);
    if (call === undefined) throw new Error(`not a call id: "${id}"`);
    return {
      job: await operator.exists(`${KEY_PREFIX}:${queueName(call.ref)}:${call.jobId}`),
      body: await operator.exists(requestBodyKey(call.ref, call.jobId)),
      result: await operator.exists(resultBodyKey(call.ref, call.jobId)),
    };
  };

  test.each([
    { name: '0 bytes', bytes: 0 },
    { name: '1 KiB', bytes: KiB },
    { name: '1 MiB', bytes: MiB },
    { name: '8 MiB', bytes: 8 * MiB },
    { name: '32 MiB', bytes: 32 * MiB },
  ])(
    'sync: a $name body and its echoed result round-trip byte-exact; nothing is left once answered',
    async ({ bytes }) => {
      const body = patterned(bytes);
      const res = await call(path(echoLarge), { method: 'POST', body });
      const echoed = Buffer.from(await res.arrayBuffer());
      expect({ status: res.status, same: echoed.equals(body), length: echoed.length }).toEqual({
        status: 200,
        same: true,
        length: bytes,
      });
      const apart = bytes > BODY_INLINE_MAX_BYTES;
      // A small call keeps its job for /calls; one with its bodies kept apart keeps nothing.
      await eventually(async () =>
        expect(await keysOf(res.headers.get('x-call-id') ?? '')).toEqual({
          job: apart ? 0 : 1,
          body: 0,
          result: 0,
        }),
      );
    },
  );

  test('async: /calls and the callback get the 1 MiB result byte-exact; Redis keeps about 1x it, with a TTL', async () => {
    expect.assertions(3);
    const body = patterned(MiB);
    let resolveReceived: (body: Buffer) => void = () => undefined;
    const received = new Promise<Buffer>((resolve) => (resolveReceived = resolve));
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.end();
        resolveReceived(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const hookPort = (): number => (server.address() as AddressInfo).port;
    const { id, token } = await asyncCall(path(echoLarge, 'async-function'), {
      body,
      headers: { 'x-callback-url': `http://127.0.0.1:${hookPort()}/done` },
    });
    const done = await eventually(async () => {
      const read = (await (await readCall(id, { 'x-call-token': token })).json()) as Record<string, unknown>;
      if (read['state'] !== 'succeeded') throw new Error(`state ${String(read['state'])}`);
      return read;
    });
    const call = parseCallId(id);
    if (call === undefined) throw new Error(`not a call id: "${id}"`);
    const resultKey = resultBodyKey(call.ref, call.jobId);
    const jobHash = `${KEY_PREFIX}:${queueName(call.ref)}:${call.jobId}`;
    const retained =
      Number(await operator.memory('USAGE', resultKey, 'SAMPLES', 0)) +
      Number(await operator.memory('USAGE', jobHash, 'SAMPLES', 0));
    expect({
      fromCalls: Buffer.from((done['result'] as { bodyBase64: string }).bodyBase64, 'base64').equals(body),
      fromCallback: (await received).equals(body),
    }).toEqual({ fromCalls: true, fromCallback: true });
    expect({
      keys: await keysOf(id),
      // The async default retention: 3,600 s.
      ttlAtMostRetention: (await operator.pttl(resultKey)) <= 3_600_000,
      retainedUnder: retained / body.length < 1.1,
    }).toEqual({ keys: { job: 1, body: 0, result: 1 }, ttlAtMostRetention: true, retainedUnder: true });
    expect(retained).toBeGreaterThan(body.length);
    server.close();
  });

  test('async: results kept apart are retained within spec.async.retainBytes, the oldest evicted first', async () => {
    const bodies = [1, 2, 3, 4].map(() => patterned(MiB));
    const calls: { id: string; token: string }[] = [];
    // One after the other, so the order of their results is the order of the calls.
    for (const body of bodies) {
      const { id, token } = await asyncCall(path(echoRetained, 'async-function'), { body });
      await eventually(async () => {
        const read = (await (await readCall(id, { 'x-call-token': token })).json()) as Record<
          string,
          unknown
        >;
        if (read['state'] !== 'succeeded') throw new Error(`state ${String(read['state'])}`);
      });
      calls.push({ id, token });
    }
    const reads = await Promise.all(
      calls.map(async ({ id, token }) => {
        const res = await readCall(id, { 'x-call-token': token });
        return {
          status: res.status,
          code: res.headers.get('x-spool-error'),
          result: (await keysOf(id)).result,
        };
      }),
    );
    const lost = { status: 503, code: 'PAYLOAD_LOST', result: 0 };
    const kept = { status: 200, code: null, result: 1 };
    expect(reads).toEqual([lost, lost, kept, kept]);
    const [oldest] = calls;
    if (oldest === undefined) throw new Error('no call made');
    const evicted = await readCall(oldest.id, { 'x-call-token': oldest.token });
    expect(await evicted.text()).toContain('spec.async.retainBytes');
    const ref = { namespace: echoRetained.metadata.namespace, name: echoRetained.metadata.name };
    expect({
      total: Number(await operator.hget(retainedBytesKey(ref), 'total')),
      indexed: await operator.zcard(retainedResultsKey(ref)),
    }).toEqual({ total: 2 * MiB, indexed: 2 });
  });
});

/** The call id and read token an async call's 202 answered with. */
const asyncCall = async (
  p: string,
  init?: RequestInit,
): Promise<{ res: Response; id: string; token: string }> => {
  const res = await call(p, { method: 'POST', ...init });
  return { res, id: res.headers.get('x-call-id') ?? '', token: res.headers.get('x-call-token') ?? '' };
};
const readCall = (id: string, headers: Record<string, string>): Promise<Response> =>
  call(`/calls/${id}`, { headers });

describe('async calls', () => {
  const waitForState = (id: string, token: string, state: string): Promise<Record<string, unknown>> =>
    eventually(async () => {
      const body = (await (await readCall(id, { 'x-call-token': token })).json()) as Record<string, unknown>;
      if (body['state'] !== state) throw new Error(`state ${String(body['state'])}`);
      return body;
    });

  test('202 with a call id, then the call reads as succeeded with its result', async () => {
    const { res, id, token } = await asyncCall(path(echo, 'async-function'), { body: 'later' });
    expect(res.status).toBe(202);
    const done = await waitForState(id, token, 'succeeded');
    expect({
      attempts: done['attempts'],
      body: Buffer.from((done['result'] as { bodyBase64: string }).bodyBase64, 'base64').toString(),
    }).toEqual({
      attempts: 1,
      body: 'later',
    });
  });

  test("a failing call is retried up to maxAttempts, then kept as failed with its reason and each attempt's", async () => {
    const { id, token } = await asyncCall(`${path(faulty, 'async-function')}?code=500`);
    const failed = await waitForState(id, token, 'failed');
    expect({
      attempts: failed['attempts'],
      reason: failed['failedReason'],
      each: failed['attemptFailures'],
    }).toEqual({
      attempts: 2,
      reason: 'function answered 500',
      each: ['function answered 500', 'function answered 500'],
    });
  });

  test('an async call for an unknown function is 404, and GET is 405', async () => {
    const unknown = await call('/async-function/nope', { method: 'POST' });
    const get = await call(path(echo, 'async-function'));
    expect([unknown.status, get.status]).toEqual([404, 405]);
  });

  test('the result is POSTed to X-Callback-Url', async () => {
    expect.assertions(1);
    const received = new Promise<{ headers: IncomingHttpHeaders; body: string }>((resolve) => {
      const server: Server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          res.end();
          server.close();
          resolve({ headers: req.headers, body: Buffer.concat(chunks).toString() });
        });
      }).listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        void call(path(echo, 'async-function'), {
          method: 'POST',
          body: 'to you',
          headers: { 'x-callback-url': `http://127.0.0.1:${port}/done` },
        });
      });
    });
    const { headers, body } = await received;
    expect({ body, status: headers['x-function-status'], id: headers['x-call-id'] }).toEqual({
      body: 'to you',
      status: '200',
      id: expect.stringMatching(/\.echo\./),
    });
  });

  test('a callback URL that is not http(s) is 400 INVALID_REQUEST', async () => {
    const res = await call(path(echo, 'async-function'), {
      method: 'POST',
      headers: { 'x-callback-url': 'file:///etc/passwd' },
    });
    expect({ status: res.status, code: res.headers.get('x-spool-error') }).toEqual({
      status: 400,
      code: 'INVALID_REQUEST',
    });
  });

  test('an unknown call id is 404 CALL_NOT_FOUND', async () => {
    const res = await readCall(`${echo.metadata.namespace}.echo.00000000-0000-0000-0000-000000000000`, {
      authorization: `Bearer ${TOKEN}`,
    });
    expect(res.headers.get('x-spool-error')).toBe('CALL_NOT_FOUND');
  });
});

describe('reading a call needs its read token or the admin token (issue 11 item 7)', () => {
  const codeOf = async (res: Response): Promise<{ status: number; code: string | null }> => {
    await res.arrayBuffer();
    return { status: res.status, code: res.headers.get('x-spool-error') };
  };

  test('the 202 carries the token in a header and the body; the status URL carries nothing secret', async () => {
    const { res, id, token } = await asyncCall(path(echo, 'async-function'), { body: 'token?' });
    const body = (await res.json()) as Record<string, unknown>;
    expect({
      status: res.status,
      token: /^[\w-]{43}$/.test(token),
      bodyToken: body['callToken'] === token,
      statusUrl: body['status'],
      noStore: res.headers.get('cache-control'),
    }).toEqual({ status: 202, token: true, bodyToken: true, statusUrl: `/calls/${id}`, noStore: 'no-store' });
  });

  test("each credential: own token (both headers) and admin read; none is 401; wrong or another call's is 404", async () => {
    const mine = await asyncCall(path(echo, 'async-function'), { body: 'mine' });
    const other = await asyncCall(path(echo, 'async-function'), { body: 'other' });
    await eventually(async () =>
      expect((await readCall(mine.id, { 'x-call-token': mine.token })).status).toBe(200),
    );
    const answers = {
      xCallToken: await codeOf(await readCall(mine.id, { 'x-call-token': mine.token })),
      bearerCallToken: await codeOf(await readCall(mine.id, { authorization: `Bearer ${mine.token}` })),
      admin: await codeOf(await readCall(mine.id, { authorization: `Bearer ${TOKEN}` })),
      none: await codeOf(await readCall(mine.id, {})),
      wrong: await codeOf(await readCall(mine.id, { 'x-call-token': 'x'.repeat(43) })),
      otherCallsToken: await codeOf(await readCall(mine.id, { 'x-call-token': other.token })),
      idAsToken: await codeOf(await readCall(mine.id, { 'x-call-token': mine.id })),
    };
    expect(answers).toEqual({
      xCallToken: { status: 200, code: null },
      bearerCallToken: { status: 200, code: null },
      admin: { status: 200, code: null },
      none: { status: 401, code: 'UNAUTHORIZED' },
      wrong: { status: 404, code: 'CALL_NOT_FOUND' },
      otherCallsToken: { status: 404, code: 'CALL_NOT_FOUND' },
      idAsToken: { status: 404, code: 'CALL_NOT_FOUND' },
    });
  });

  test('a sync call has no read token: only the admin token reads it', async () => {
    const res = await call(path(echo), { method: 'POST', body: 'sync' });
    const id = res.headers.get('x-call-id') ?? '';
    await res.arrayBuffer();
    expect({
      token: res.headers.get('x-call-token'),
      asToken: await codeOf(await readCall(id, { 'x-call-token': 'anything' })),
      admin: await codeOf(await readCall(id, { authorization: `Bearer ${TOKEN}` })),
    }).toEqual({
      token: null,
      asToken: { status: 404, code: 'CALL_NOT_FOUND' },
      admin: { status: 200, code: null },
    });
  });

  test('Redis holds only the hash of the token, never the token', async () => {
    const { id, token } = await asyncCall(path(echo, 'async-function'), { body: 'stored' });
    const jobId = id.split('.').at(-1) ?? '';
    const redis = new Redis(testRedisUrl());
    try {
      const stored = await eventually(async () => {
        const keys = await redis.keys(`*${jobId}*`);
        const values = await Promise.all(
          keys.map(async (key) =>
            (await redis.type(key)) === 'hash' ? JSON.stringify(await redis.hgetall(key)) : key,
          ),
        );
        const data = values.join('\n');
        if (!data.includes('readTokenSha256')) throw new Error('job not stored yet');
        return data;
      });
      const hash = createHash('sha256').update(token).digest('hex');
      expect({ token: stored.includes(token), hash: stored.includes(hash) }).toEqual({
        token: false,
        hash: true,
      });
    } finally {
      redis.disconnect();
    }
  });
});

describe('system API', () => {
  const auth = { authorization: `Bearer ${TOKEN}` };

  test('needs the admin token', async () => {
    const [none, wrong] = await Promise.all([
      call('/system/functions'),
      call('/system/functions', { headers: { authorization: 'Bearer nope' } }),
    ]);
    expect([none.status, wrong.status, none.headers.get('x-spool-error')]).toEqual([
      401,
      401,
      'UNAUTHORIZED',
    ]);
  });

  test('lists functions and describes one', async () => {
    const list = (await (
      await call(`/system/functions?namespace=${echo.metadata.namespace}`, { headers: auth })
    ).json()) as { name: string }[];
    const one = (await (
      await call(`/system/function/echo.${echo.metadata.namespace}`, { headers: auth })
    ).json()) as Record<string, unknown>;
    expect({ names: list.map((f) => f.name), one }).toMatchObject({
      names: ['echo'],
      one: { name: 'echo', mode: 'http', queued: 0 },
    });
  });

  test('shows the conditions the controller stored, kept current by its notices; a malformed stored status is dropped, never fatal', async () => {
    const key = `${echo.metadata.namespace}/echo`;
    const ready = {
      type: 'Ready',
      status: 'True',
      reason: 'Serving',
      message: '1 of 1 replicas ready',
      lastTransitionTime: '2026-01-02T03:04:05Z',
    };
    // Stored and announced as the controller's status writer does; the gateway's copy follows the notice.
    const conditionsShown = async (stored: string, want: unknown[]): Promise<void> => {
      await operator
        .multi()
        .hset(FUNCTION_STATUS_KEY, key, stored)
        .publish(channels.functionStatus, key)
        .exec();
      await eventually(async () => {
        const res = await call(`/system/function/echo.${echo.metadata.namespace}`, { headers: auth });
        const body = (await res.json()) as { conditions: unknown };
        expect({ status: res.status, conditions: body.conditions }).toEqual({
          status: 200,
          conditions: want,
        });
      });
    };
    try {
      // Each malformed one follows a good one, so a copy that kept the old status would show.
      await conditionsShown(JSON.stringify({ conditions: [ready] }), [ready]);
      await conditionsShown(JSON.stringify({ conditions: [{ ...ready, status: 'Maybe' }] }), []);
      await conditionsShown(JSON.stringify({ conditions: [ready] }), [ready]);
      await conditionsShown('{"conditions":', []);
    } finally {
      await operator.multi().hdel(FUNCTION_STATUS_KEY, key).publish(channels.functionStatus, key).exec();
    }
  });

  test('scale-function sends the request to the controller', async () => {
    expect.assertions(2);
    const listener = new Redis(testRedisUrl());
    const message = new Promise<string>((resolve) =>
      listener.on('message', (_c: string, m: string) => resolve(m)),
    );
    await listener.subscribe(channels.scaleRequest);
    const res = await call(`/system/scale-function/echo.${echo.metadata.namespace}`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ replicas: 3 }),
    });
    expect(res.status).toBe(202);
    expect(JSON.parse(await message)).toEqual({ key: `${echo.metadata.namespace}/echo`, replicas: 3 });
    listener.disconnect();
  });

  test.each([
    { body: '{"replicas":-1}', code: 'INVALID_REQUEST' },
    { body: '{"replicas":1.5}', code: 'INVALID_REQUEST' },
    { body: '{"replicas":1001}', code: 'REPLICAS_OUT_OF_RANGE' },
    { body: '{"replicas":9007199254740991}', code: 'REPLICAS_OUT_OF_RANGE' },
  ])(
    'a bad scale body $body is 400 $code, not a request the controller would drop',
    async ({ body, code }) => {
      const res = await call(`/system/scale-function/echo.${echo.metadata.namespace}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body,
      });
      expect({ status: res.status, code: res.headers.get('x-spool-error') }).toEqual({ status: 400, code });
    },
  );

  test('healthz, info and metrics with the OpenFaaS names', async () => {
    await call(path(echo), { method: 'POST', body: 'm' });
    const metrics = await (await call('/metrics')).text();
    const info = (await (await call('/system/info', { headers: auth })).json()) as {
      provider: { provider: string };
    };
    expect({ health: (await call('/healthz')).status, provider: info.provider.provider }).toEqual({
      health: 200,
      provider: 'spool',
    });
    for (const name of [
      'gateway_function_invocation_total',
      'gateway_functions_seconds',
      'gateway_function_invocation_started',
      'gateway_service_count',
      'spool_queue_depth',
    ]) {
      expect(metrics).toContain(name);
    }
  });
});

describe('connections', () => {
  test("the gateway's Redis connections do not grow with the number of functions", async () => {
    const countGatewayClients = async (): Promise<number> =>
      String(await operator.client('LIST'))
        .split('\n')
        .filter((l: string) => l.includes('name=spool-test-gateway')).length;
    const many = Array.from({ length: 40 }, (_, i) =>
      testFunction({ image: 'x', command: ['true'] }, `f${i}`),
    );
    const one = await startGateway(many.slice(0, 1));
    const before = await countGatewayClients();
    await one.close();
    const forty = await startGateway(many);
    // Touch every function's queue: an async enqueue each (no watchdog needed).
    await Promise.all(
      many.map((fn) => fetch(`${forty.url}${path(fn, 'async-function')}`, { method: 'POST', body: 'x' })),
    );
    const after = await countGatewayClients();
    await forty.close();
    expect({ before: before > 0, same: after === before }).toEqual({ before: true, same: true });
  });
});

describe('names that are not served', () => {
  test('unknown names on /function, /async-function and /calls are 404 and leave no keys or replica state', async () => {
    const ns = `unserved-${randomUUID().slice(0, 8)}`;
    const names = Array.from({ length: 200 }, (_, i) => `fn${i}`);
    const statuses = new Set<number>();
    for (const name of names) {
      const [sync, async, calls] = await Promise.all([
        call(`/function/${name}.${ns}`),
        call(`/async-function/${name}.${ns}`, { method: 'POST', body: 'x' }),
        call(`/calls/${ns}.${name}.${randomUUID()}`),
      ]);
      for (const res of [sync, async, calls]) {
        statuses.add(res.status);
        await res.arrayBuffer();
      }
    }
    // Replica statuses for functions nobody serves, as any Redis client could publish them.
    const publisher = new Redis(testRedisUrl());
    for (const name of names.slice(0, 50)) {
      await publisher.publish(
        channels.scaled,
        encodeReplicaStatus({
          key: `${ns}/${name}`,
          replicas: 1,
          readyReplicas: 1,
          reason: 'target',
          atMs: 1,
        }),
      );
    }
    const keys = await operator.keys(`spool:{${ns}.*`);
    publisher.disconnect();
    // The gateway still answers: the notices were decoded and dropped, not kept (invoker isServed).
    const alive = await call(path(echo), { method: 'POST', body: 'still here' });
    expect({ statuses: [...statuses], keys, alive: alive.status }).toEqual({
      statuses: [404],
      keys: [],
      alive: 200,
    });
  });
});
