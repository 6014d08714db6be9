// The gateway against a hostile tenant and hostile callback targets (issue 11 items 4, 6, 8), on real Redis
// with real watchdogs, user processes and loopback HTTP servers; every delivery is counted at its target.
// Each gateway here uses a Redis of its own (run as the product runs it): the callback queue is shared by every
// gateway on one Redis, and a delivery picked up by another suite's gateway would not be this suite's to count.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { CALLBACK_QUEUE, KEY_PREFIX, type CallbackJob, type ResolvedFunction } from '@spool/api';
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
import { startProductRedis, type ProductRedis } from '../../support/redis-auth.js';

jest.setTimeout(60_000);

let localRedis: ProductRedis;
let publicOnlyRedis: ProductRedis;
let busyRedis: ProductRedis;

const reflect = testFunction(
  { image: 'x', command: ['node', fixturePath('hostile-headers-server.mjs')], scale: { max: 3 } },
  'reflect',
);
const echo = testFunction(
  { image: 'x', command: ['node', 'server.mjs'], workingDir: examplePath('echo') },
  'echo',
);
const busyEcho = testFunction(
  { image: 'x', command: ['node', 'server.mjs'], workingDir: examplePath('echo'), concurrency: 20 },
  'echo',
);

interface Hit {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

interface Target {
  readonly url: string;
  readonly port: number;
  readonly hits: Hit[];
  /** Requests open at once, now and at most. */
  readonly open: { now: number; max: number };
  close(): Promise<void>;
}

/** A loopback HTTP server that records every request and answers with `answer` (which may never end it). */
async function startTarget(
  answer: (res: ServerResponse, hit: Hit) => void,
  host = '127.0.0.1',
): Promise<Target> {
  const hits: Hit[] = [];
  const open = { now: 0, max: 0 };
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    open.now += 1;
    open.max = Math.max(open.max, open.now);
    res.once('close', () => (open.now -= 1));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hit = { headers: req.headers, body: Buffer.concat(chunks).toString() };
      hits.push(hit);
      answer(res, hit);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    hits,
    open,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const ok = (res: ServerResponse): void => {
  res.end('thanks');
};

const path = (fn: ResolvedFunction, kind = 'function'): string =>
  `/${kind}/${fn.metadata.name}.${fn.metadata.namespace}`;

async function callbackState(db: string, callId: string): Promise<{ state: string; reason: string }> {
  const connection = new Redis(db, { maxRetriesPerRequest: null });
  const queue = new Queue<CallbackJob>(CALLBACK_QUEUE, { connection, prefix: KEY_PREFIX });
  try {
    // State first, then the job: read the other way round, a job fetched just before it failed passes as failed
    // with no reason.
    const state = await queue.getJobState(callId);
    const job = state === 'unknown' ? undefined : await queue.getJob(callId);
    return { state: job ? state : 'missing', reason: job?.failedReason ?? '' };
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

const settledCallback = (db: string, callId: string): Promise<{ state: string; reason: string }> =>
  eventually(async () => {
    const s = await callbackState(db, callId);
    if (s.state !== 'completed' && s.state !== 'failed') throw new Error(`callback ${callId} is ${s.state}`);
    return s;
  });

let local: TestGateway;
let publicOnly: TestGateway;
let busy: TestGateway;
const watchdogs: Watchdog[] = [];

beforeAll(async () => {
  [localRedis, publicOnlyRedis, busyRedis] = await Promise.all([
    startProductRedis(),
    startProductRedis(),
    startProductRedis(),
  ]);
  watchdogs.push(
    await startWatchdog(reflect, {}, localRedis),
    await startWatchdog(echo, {}, localRedis),
    await startWatchdog(busyEcho, {}, busyRedis),
  );
  local = await startGateway([reflect, echo], { SPOOL_QUEUE_WAIT_MS: '10000' }, localRedis);
  publicOnly = await startGateway([echo], { SPOOL_CALLBACK_ALLOW: 'public' }, publicOnlyRedis);
  busy = await startGateway(
    [busyEcho],
    {
      SPOOL_CALLBACK_CONCURRENCY: '6',
      SPOOL_CALLBACK_PER_DESTINATION: '2',
      SPOOL_CALLBACK_TIMEOUT_MS: '4000',
    },
    busyRedis,
  );
});

afterAll(async () => {
  await Promise.all([local, publicOnly, busy].map((g) => g.close()));
  await Promise.all(watchdogs.map((w) => w.close()));
  await Promise.all([localRedis, publicOnlyRedis, busyRedis].map((r) => r.stop()));
});

async function asyncCall(
  gw: TestGateway,
  fn: ResolvedFunction,
  callbackUrl: string,
  body = 'x',
): Promise<Response> {
  return fetch(`${gw.url}${path(fn, 'async-function')}`, {
    method: 'POST',
    body,
    headers: { 'x-callback-url': callbackUrl, 'content-type': 'text/plain' },
  });
}

describe('callbacks', () => {
  test("a header-echoing function: the callback carries only Content-Type and Spool's headers, once", async () => {
    const target = await startTarget(ok);
    try {
      const res = await asyncCall(local, reflect, `${target.url}/done`);
      const callId = res.headers.get('x-call-id') ?? '';
      expect(await settledCallback(localRedis.operatorUrl, callId)).toEqual({
        state: 'completed',
        reason: '',
      });
      const [hit] = target.hits;
      const seenByFunction = JSON.parse(hit?.body ?? '{}') as { headers: Record<string, string[]> };
      expect({
        deliveries: target.hits.length,
        callbackHeaders: Object.keys(hit?.headers ?? {}).sort(),
        callId: hit?.headers['x-call-id'],
        functionSawCallbackUrl: 'x-callback-url' in seenByFunction.headers,
      }).toEqual({
        deliveries: 1,
        // host, content-length and connection are the HTTP client's own.
        callbackHeaders: [
          'connection',
          'content-length',
          'content-type',
          'host',
          'x-call-id',
          'x-function-status',
        ],
        callId,
        functionSawCallbackUrl: false,
      });
    } finally {
      await target.close();
    }
  });

  test.each([
    { name: 'loopback', url: (port: number) => `http://127.0.0.1:${port}/async-function/x` },
    { name: 'localhost', url: (port: number) => `http://localhost:${port}/system/functions` },
    { name: 'hex IPv4', url: (port: number) => `http://0x7f000001:${port}/system/functions` },
    { name: 'decimal IPv4', url: (port: number) => `http://2130706433:${port}/` },
    { name: 'IPv4-mapped IPv6', url: (port: number) => `http://[::ffff:127.0.0.1]:${port}/` },
    { name: '[::1]', url: (port: number) => `http://[::1]:${port}/` },
    { name: '0.0.0.0', url: (port: number) => `http://0.0.0.0:${port}/` },
  ])('a callback to the gateway itself ($name) is refused with 400 before anything runs', async ({ url }) => {
    const port = Number(new URL(local.url).port);
    const res = await asyncCall(local, reflect, url(port));
    expect({ status: res.status, code: res.headers.get('x-spool-error') }).toEqual({
      status: 400,
      code: 'CALLBACK_NOT_ALLOWED',
    });
  });

  test('a queued delivery aimed at the gateway itself is refused at its attempt, and nothing runs', async () => {
    const connection = new Redis(localRedis.operatorUrl, { maxRetriesPerRequest: null });
    const queue = new Queue<CallbackJob>(CALLBACK_QUEUE, { connection, prefix: KEY_PREFIX });
    const callId = `${reflect.metadata.namespace}.reflect.${randomUUID()}`;
    const port = Number(new URL(local.url).port);
    const before = await (await fetch(`${local.url}/metrics`)).text();
    try {
      await queue.add(
        'callback',
        {
          callId,
          callbackUrl: `http://localhost:${port}${path(reflect, 'async-function')}`,
          result: { status: 200, headers: {}, bodyBase64: '', startedAtMs: 0, finishedAtMs: 1, attempt: 1 },
        },
        { jobId: callId, attempts: 3, backoff: { type: 'fixed', delay: 100 } },
      );
      const settled = await settledCallback(localRedis.operatorUrl, callId);
      const started = (text: string): string | undefined =>
        text
          .split('\n')
          .find((l) => l.startsWith('gateway_function_invocation_started') && l.includes('reflect'));
      const after = await (await fetch(`${local.url}/metrics`)).text();
      expect({ settled, sameStarted: started(after) === started(before) }).toEqual({
        settled: { state: 'failed', reason: expect.stringContaining('is this gateway itself') },
        sameStarted: true,
      });
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });

  test('a redirect is not followed: one attempt at the redirecting target, none at its Location', async () => {
    const location = await startTarget(ok);
    const redirector = await startTarget((res) => {
      res.writeHead(302, { location: `${location.url}/stolen` }).end();
    });
    try {
      const res = await asyncCall(local, echo, `${redirector.url}/hook`);
      const settled = await settledCallback(localRedis.operatorUrl, res.headers.get('x-call-id') ?? '');
      expect({ settled, redirector: redirector.hits.length, location: location.hits.length }).toEqual({
        settled: { state: 'failed', reason: expect.stringContaining('redirects are not followed') },
        redirector: 1,
        location: 0,
      });
    } finally {
      await Promise.all([location.close(), redirector.close()]);
    }
  });

  test('a 600 MB answer is read no further than the cap; the delivery still counts', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 120);
    let written = 0;
    const huge = await startTarget((res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const more = (): void => {
        // Respect backpressure: what is written is what the gateway side let through.
        while (written < 600 * chunk.length && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      more();
    });
    const rssBefore = process.memoryUsage().rss;
    try {
      const res = await asyncCall(local, echo, `${huge.url}/big`);
      const settled = await settledCallback(localRedis.operatorUrl, res.headers.get('x-call-id') ?? '');
      const grownMiB = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
      expect({
        settled,
        deliveries: huge.hits.length,
        bounded: written < 32 * chunk.length,
        grownMiB,
      }).toEqual({
        settled: { state: 'completed', reason: '' },
        deliveries: 1,
        bounded: true,
        grownMiB: expect.any(Number),
      });
      expect(grownMiB).toBeLessThan(200);
    } finally {
      await huge.close();
    }
  });

  test('slow destinations hold at most their share: another target is served meanwhile', async () => {
    // Never answers: each attempt holds its slot until the 4 s attempt timeout.
    const slow = await startTarget(() => undefined);
    // Another address: the limit is per destination address, whatever the port.
    const fast = await startTarget(ok, '127.0.0.2');
    try {
      const slowCalls = await Promise.all(
        Array.from({ length: 8 }, (_, i) => asyncCall(busy, busyEcho, `${slow.url}/slow/${i}`)),
      );
      expect(slowCalls.map((r) => r.status)).toEqual(Array<number>(8).fill(202));
      await eventually(() => {
        if (slow.hits.length < 2) throw new Error(`slow target has ${slow.hits.length} requests`);
      });
      const startedMs = Date.now();
      await asyncCall(busy, busyEcho, `${fast.url}/fast`);
      await eventually(() => {
        if (fast.hits.length < 1) throw new Error('fast target not reached yet');
      });
      const fastMs = Date.now() - startedMs;
      expect({ slowAtOnce: slow.open.max, fastWithinAttemptTimeout: fastMs < 3500 }).toEqual({
        slowAtOnce: 2,
        fastWithinAttemptTimeout: true,
      });
    } finally {
      await Promise.all([slow.close(), fast.close()]);
    }
  });

  test.each([
    { name: 'loopback', url: (port: number) => `http://127.0.0.1:${port}/` },
    { name: 'hex IPv4', url: (port: number) => `http://0x7f000001:${port}/` },
    { name: 'IPv4-mapped IPv6', url: (port: number) => `http://[::ffff:127.0.0.1]:${port}/` },
    { name: 'localhost', url: (port: number) => `http://localhost:${port}/` },
  ])('public-only policy: a callback to $name is refused at the call', async ({ url }) => {
    const target = await startTarget(ok);
    try {
      const res = await asyncCall(publicOnly, echo, url(target.port));
      expect({
        status: res.status,
        code: res.headers.get('x-spool-error'),
        hits: target.hits.length,
      }).toEqual({
        status: 400,
        code: 'CALLBACK_NOT_ALLOWED',
        hits: 0,
      });
    } finally {
      await target.close();
    }
  });

  test('public-only policy: a queued delivery is checked again at its attempt and refused, unsent', async () => {
    const target = await startTarget(ok);
    const connection = new Redis(publicOnlyRedis.operatorUrl, { maxRetriesPerRequest: null });
    const queue = new Queue<CallbackJob>(CALLBACK_QUEUE, { connection, prefix: KEY_PREFIX });
    const callId = `${echo.metadata.namespace}.echo.${randomUUID()}`;
    try {
      await queue.add(
        'callback',
        {
          callId,
          callbackUrl: `http://localhost:${target.port}/hook`,
          result: { status: 200, headers: {}, bodyBase64: '', startedAtMs: 0, finishedAtMs: 1, attempt: 1 },
        },
        { jobId: callId, attempts: 3, backoff: { type: 'fixed', delay: 100 } },
      );
      const settled = await settledCallback(publicOnlyRedis.operatorUrl, callId);
      expect({ settled, hits: target.hits.length }).toEqual({
        settled: {
          state: 'failed',
          reason: expect.stringContaining('(loopback), which SPOOL_CALLBACK_ALLOW does not allow'),
        },
        hits: 0,
      });
    } finally {
      await queue.close();
      connection.disconnect();
      await target.close();
    }
  });
});

/** A raw request, so that headers fetch refuses to send (Connection) can be sent. */
function rawRequest(
  base: string,
  target: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: IncomingHttpHeaders; rawHeaders: string[]; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: target, method: 'GET', headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.once('error', reject);
    req.end();
  });
}

describe('HTTP hygiene', () => {
  test("the function cannot set Spool's headers; two Set-Cookie stay two; Connection-listed headers go", async () => {
    const res = await rawRequest(local.url, path(reflect), {});
    const names = res.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    expect({
      status: res.status,
      callId: res.headers['x-call-id'],
      spoolError: res.headers['x-spool-error'],
      durationForged: res.headers['x-duration-seconds'] === '999',
      cookies: res.headers['set-cookie'],
      hop: res.headers['x-hop'],
      callIdLines: names.filter((n) => n === 'x-call-id').length,
    }).toEqual({
      status: 200,
      callId: expect.stringMatching(new RegExp(`^${reflect.metadata.namespace}\\.reflect\\.[0-9a-f-]{36}$`)),
      spoolError: undefined,
      durationForged: false,
      cookies: ['a=1; Path=/', 'b=2; Path=/'],
      hop: undefined,
      callIdLines: 1,
    });
  });

  test('toward the function: the raw path and query, X-Forwarded-* appended, Connection-listed headers dropped', async () => {
    const target = `/function/%72eflect.${reflect.metadata.namespace}/a%2Fb/%2e%2e?q=%26&x`;
    const res = await rawRequest(local.url, target, {
      connection: 'keep-alive, x-private',
      'x-private': 'hop secret',
      'x-forwarded-for': '203.0.113.1',
      'x-callback-url': 'http://127.0.0.1:1/',
    });
    const seen = JSON.parse(res.body) as { url: string; headers: Record<string, string[] | undefined> };
    expect({
      url: seen.url,
      forwardedFor: seen.headers['x-forwarded-for'],
      forwardedProto: seen.headers['x-forwarded-proto'],
      forwardedHost: seen.headers['x-forwarded-host'],
      private: seen.headers['x-private'],
      callbackUrl: seen.headers['x-callback-url'],
    }).toEqual({
      url: '/a%2Fb/%2e%2e?q=%26&x',
      forwardedFor: ['203.0.113.1, 127.0.0.1'],
      forwardedProto: ['http'],
      forwardedHost: [new URL(local.url).host],
      private: undefined,
      callbackUrl: undefined,
    });
  });
});

describe('scale API bounds', () => {
  const scale = (query: string, body: unknown): Promise<Response> =>
    fetch(`${local.url}/system/scale-function/reflect.${reflect.metadata.namespace}${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  test.each([
    {
      name: 'the largest safe integer',
      query: '',
      body: { replicas: 9007199254740991 },
      want: [400, 'REPLICAS_OUT_OF_RANGE'],
    },
    { name: 'one above scale.max', query: '', body: { replicas: 4 }, want: [400, 'REPLICAS_OUT_OF_RANGE'] },
    {
      name: 'a repeated parameter',
      query: '?namespace=a&namespace=b',
      body: { replicas: 1 },
      want: [400, 'INVALID_REQUEST'],
    },
    {
      name: 'an unknown parameter',
      query: '?replicas=1',
      body: { replicas: 1 },
      want: [400, 'INVALID_REQUEST'],
    },
    {
      name: 'an unknown body field',
      query: '',
      body: { replicas: 1, max: 9 },
      want: [400, 'INVALID_REQUEST'],
    },
    { name: 'scale.max itself', query: '', body: { replicas: 3 }, want: [202, null] },
    {
      name: 'the namespace as a query parameter',
      query: `?namespace=${reflect.metadata.namespace}`,
      body: { replicas: 1 },
      want: [202, null],
    },
  ])('$name → $want', async ({ query, body, want }) => {
    const res = await scale(query, body);
    expect([res.status, res.headers.get('x-spool-error')]).toEqual(want);
  });
});
