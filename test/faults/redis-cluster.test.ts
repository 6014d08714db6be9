// Redis Cluster (issue 14 item 5): functions spread over the shards of a real 3-master, 3-replica cluster, calls
// work through gateway and watchdogs that reach it by `redis-cluster://` seeds, and a master SIGKILLed with
// accepted async calls on it fails over to its replica with none of them lost or run twice.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { queueKey, requestBodyKey, resultBodyKey, type ResolvedFunction } from '@spool/api';
import type { Watchdog } from '@spool/watchdog';
import { eventually } from '../support/eventually.js';
import {
  functionFixture,
  repoRoot,
  startGateway,
  startWatchdog,
  type TestGateway,
} from '../support/local-functions.js';
import { sharedRedisTarget, type TestRedisTarget } from '../support/redis-auth.js';
import { startRedisCluster, type TestRedisCluster } from '../support/redis-cluster.js';
import { uniqueFunctionRef } from '../support/redis.js';
import { executions, report, tally } from './support/tally.js';

jest.setTimeout(180_000);

const FUNCTIONS = 6;
let cluster: TestRedisCluster;
let gateway: TestGateway;
let logDir: string;
const functions: ResolvedFunction[] = [];
/** examples/echo, for bodies kept apart in their own keys (issue 14 item 2). */
let echo: ResolvedFunction;
const watchdogs = new Map<string, Watchdog>();

/** Shared-credential mode: Spool does not provision ACL users on a cluster (docs/security.md). */
const clusterTarget = (): TestRedisTarget => sharedRedisTarget(cluster.url);
const logOf = (fn: ResolvedFunction): string => join(logDir, `${fn.metadata.name}.log`);
const url = (fn: ResolvedFunction, kind: 'function' | 'async-function', id: string): string =>
  `${gateway.url}/${kind}/${fn.metadata.name}.${fn.metadata.namespace}?id=${id}`;
const waitKey = (fn: ResolvedFunction): string =>
  queueKey({ namespace: fn.metadata.namespace, name: fn.metadata.name }, 'wait');

async function startReplica(fn: ResolvedFunction): Promise<void> {
  watchdogs.set(fn.metadata.name, await startWatchdog(fn, {}, clusterTarget()));
}

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  logDir = mkdtempSync(join(tmpdir(), 'spool-redis-cluster-'));
  for (let i = 0; i < FUNCTIONS; i++) {
    const ref = uniqueFunctionRef(`shard${i}`);
    functions.push(
      functionFixture(ref, {
        image: 'count',
        command: [process.execPath, join(repoRoot, 'test/faults/fixtures/count/server.mjs')],
        env: [{ name: 'COUNT_LOG', value: join(logDir, `${ref.name}.log`) }],
        async: { maxAttempts: 3, backoffSeconds: 1 },
      }),
    );
  }
  echo = functionFixture(uniqueFunctionRef('echo'), {
    image: 'echo',
    command: [process.execPath, join(repoRoot, 'examples/echo/server.mjs')],
  });
  for (const fn of [...functions, echo]) await startReplica(fn);
  gateway = await startGateway([...functions, echo], {}, clusterTarget());
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([...watchdogs.values()].map((w) => w.close()));
  await cluster?.stop();
  rmSync(logDir, { recursive: true, force: true });
});

describe('Redis Cluster', () => {
  test('functions spread over the shards; sync and async calls to each are answered once', async () => {
    const masters = new Set(
      await Promise.all(functions.map(async (fn) => (await cluster.masterOf(waitKey(fn))).port)),
    );
    const sync = await Promise.all(
      functions.map(async (fn, i) => {
        const res = await fetch(url(fn, 'function', `sync-${i}`));
        return `${res.status} ${await res.text()}`;
      }),
    );
    const asyncIds = await Promise.all(
      functions.map(async (fn, i) => {
        const res = await fetch(url(fn, 'async-function', `async-${i}`), { method: 'POST' });
        expect(res.status).toBe(202);
        return { id: res.headers.get('x-call-id') ?? '', token: res.headers.get('x-call-token') ?? '' };
      }),
    );
    const states = await eventually(
      async () => {
        const all = await Promise.all(
          asyncIds.map(async ({ id, token }) => {
            const res = await fetch(`${gateway.url}/calls/${id}`, { headers: { 'x-call-token': token } });
            return ((await res.json()) as { state: string }).state;
          }),
        );
        expect(all.filter((s) => s !== 'succeeded')).toEqual([]);
        return all;
      },
      { timeoutMs: 30_000 },
    );
    expect({ shards: masters.size > 1, sync, states }).toEqual({
      shards: true,
      sync: functions.map((_, i) => `200 sync-${i}`),
      states: functions.map(() => 'succeeded'),
    });
  });

  test('1 MiB bodies kept apart round-trip byte-exact, sync and async, their keys on their queue shard', async () => {
    const body = Buffer.alloc(1024 * 1024);
    for (let i = 0; i + 4 <= body.length; i += 4096) body.writeUInt32BE(i, i);
    const sync = await fetch(url(echo, 'function', 'big'), { method: 'POST', body });
    const echoed = Buffer.from(await sync.arrayBuffer());
    const accepted = await fetch(url(echo, 'async-function', 'big'), { method: 'POST', body });
    const id = accepted.headers.get('x-call-id') ?? '';
    const token = accepted.headers.get('x-call-token') ?? '';
    const done = await eventually(
      async () => {
        const res = await fetch(`${gateway.url}/calls/${id}`, { headers: { 'x-call-token': token } });
        const read = (await res.json()) as { state: string; result?: { bodyBase64: string } };
        expect(read.state).toBe('succeeded');
        return read;
      },
      { timeoutMs: 30_000 },
    );
    const ref = { namespace: echo.metadata.namespace, name: echo.metadata.name };
    const jobId = id.split('.')[2] ?? '';
    const shards = new Set(
      await Promise.all(
        [waitKey(echo), requestBodyKey(ref, jobId), resultBodyKey(ref, jobId)].map(
          async (key) => (await cluster.masterOf(key)).port,
        ),
      ),
    );
    expect({
      sync: sync.status,
      syncSame: echoed.equals(body),
      asyncSame: Buffer.from(done.result?.bodyBase64 ?? '', 'base64').equals(body),
      shards: shards.size,
    }).toEqual({ sync: 200, syncSame: true, asyncSame: true, shards: 1 });
  });

  test('a master SIGKILLed with accepted async calls queued on it: its replica takes over, every call runs once', async () => {
    const fn = functions[0]!;
    const master = await cluster.masterOf(waitKey(fn));
    // No replica takes them yet, so they wait in the queue on the master that is about to die.
    await watchdogs.get(fn.metadata.name)?.close();
    const n = 20;
    const ids = Array.from({ length: n }, (_, i) => `failover-${i}`);
    const accepted = await Promise.all(
      ids.map(async (id) => {
        const res = await fetch(url(fn, 'async-function', id), { method: 'POST' });
        return {
          id,
          status: res.status,
          callId: res.headers.get('x-call-id') ?? '',
          token: res.headers.get('x-call-token') ?? '',
        };
      }),
    );
    expect(accepted.map((a) => a.status)).toEqual(ids.map(() => 202));
    // Replication is asynchronous: wait until the replica has everything the master acknowledged (WAIT after a
    // write on the same slot), so the test measures the failover, not the replication window (docs/reliability.md).
    const direct = new Redis(master.port, '127.0.0.1');
    await direct.set(`${waitKey(fn)}:probe`, '1');
    expect(await direct.wait(1, 5_000)).toBe(1);
    direct.disconnect();

    const killedAtMs = Date.now();
    master.kill();
    const promoted = await cluster.waitForFailover(waitKey(fn), master);
    const failoverMs = Date.now() - killedAtMs;
    await startReplica(fn);

    const states = await eventually(
      async () => {
        const all = await Promise.all(
          accepted.map(async ({ callId, token }) => {
            const res = await fetch(`${gateway.url}/calls/${callId}`, { headers: { 'x-call-token': token } });
            return res.status === 200
              ? ((await res.json()) as { state: string }).state
              : `HTTP ${res.status}`;
          }),
        );
        expect(all.filter((s) => s !== 'succeeded' && s !== 'failed')).toEqual([]);
        return all;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const runs = executions(logOf(fn));
    const figures = tally(
      accepted.map((a, i) => ({
        id: a.id,
        status: states[i] === 'succeeded' ? 200 : 0,
        code: states[i],
        ms: 0,
      })),
      runs,
    );
    // A sync call after the failover is served by the promoted master.
    const after = await fetch(url(fn, 'function', 'after-failover'));
    report('redis-cluster-master-killed', { ...figures, failoverMs, recoverMs: Date.now() - killedAtMs });
    expect({
      ...figures,
      promoted: promoted.port !== master.port,
      neverRan: ids.filter((id) => !runs.has(id)),
      after: after.status,
    }).toEqual({ sent: n, answered: n, lost: 0, duplicated: 0, promoted: true, neverRan: [], after: 200 });
  });
});
