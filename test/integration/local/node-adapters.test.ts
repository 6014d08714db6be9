// @spool/node's adapters on real processes, real timers and a real Redis: process-group signals, the system clock,
// the logger, the retained-results store.
import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { resultBodyKey, retainedBytesKey, retainedResultsKey } from '@spool/api';
import { isGroupAlive, readStoredBody, signalGroup, storeRetainedBody, systemClock } from '@spool/node';
import { functionFixture } from '../../support/local-functions.js';
import { testRedisUrl, uniqueFunctionRef } from '../../support/redis.js';
import { capturedLog } from '../../support/logs.js';
import { eventually } from '../../support/eventually.js';

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A detached shell (a group leader) with one background grandchild; resolves with both pids. */
async function startGroup(): Promise<{ leader: number; grandchild: number }> {
  const child = spawn('sh', ['-c', 'sleep 60 & echo $!; wait'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  return { leader: child.pid!, grandchild: Number(chunk.toString().trim()) };
}

describe('signalGroup', () => {
  test('a SIGKILL to the group reaches the grandchild too, and then the group is gone', async () => {
    const { leader, grandchild } = await startGroup();
    expect([isGroupAlive(leader), isAlive(grandchild)]).toEqual([true, true]);

    expect(signalGroup(leader, 'SIGKILL')).toBe('sent');

    await eventually(() => expect([isGroupAlive(leader), isAlive(grandchild)]).toEqual([false, false]));
    expect(signalGroup(leader, 'SIGTERM')).toBe('gone');
  });
});

describe('systemClock', () => {
  test('a timer fires once after its delay; a cancelled one never does', async () => {
    const fired: string[] = [];
    const startMs = systemClock.now();
    systemClock.setTimer(30, () => fired.push('kept'));
    systemClock.setTimer(30, () => fired.push('cancelled')).cancel();
    await eventually(() => expect(fired).toEqual(['kept']));
    expect(systemClock.now() - startMs).toBeGreaterThanOrEqual(25);
    await systemClock.sleep(60);
    expect(fired).toEqual(['kept']);
  });

  test('sleep returns early when its signal aborts', async () => {
    const abort = new AbortController();
    const startMs = systemClock.now();
    const slept = systemClock.sleep(10_000, abort.signal);
    abort.abort();
    await slept;
    expect(systemClock.now() - startMs).toBeLessThan(1000);
  });
});

describe('createLogger', () => {
  const isoTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

  test('every line carries level, time, component and the event, then its fields', () => {
    const { log, lines } = capturedLog('controller');
    log.info('scaled', { key: 'default/echo', from: 0, to: 2 });
    log.warn('replica-died', { code: 1 });
    log.error('converge-failed', { error: 'boom' });
    expect(lines).toEqual([
      {
        level: 'info',
        time: expect.stringMatching(isoTime),
        component: 'controller',
        msg: 'scaled',
        key: 'default/echo',
        from: 0,
        to: 2,
      },
      {
        level: 'warn',
        time: expect.stringMatching(isoTime),
        component: 'controller',
        msg: 'replica-died',
        code: 1,
      },
      {
        level: 'error',
        time: expect.stringMatching(isoTime),
        component: 'controller',
        msg: 'converge-failed',
        error: 'boom',
      },
    ]);
  });

  test('an Error field is written as its chain of causes, not as {}', () => {
    const { log, lines } = capturedLog('watchdog');
    log.error('reply not published', {
      error: new Error('publishing', { cause: new Error('connection closed') }),
    });
    expect(lines[0]).toMatchObject({ msg: 'reply not published', error: 'publishing: connection closed' });
  });

  test('a child adds its fields to every line', () => {
    const { log, lines } = capturedLog('watchdog');
    log.child({ function: 'team-a/echo' }).info('user process ready');
    expect(lines[0]).toMatchObject({
      component: 'watchdog',
      function: 'team-a/echo',
      msg: 'user process ready',
    });
  });
});

describe('storeRetainedBody', () => {
  const KiB = 1024;
  const MiB = 1024 * KiB;
  const withRedis = async (run: (redis: Redis) => Promise<void>): Promise<void> => {
    const redis = new Redis(testRedisUrl());
    try {
      await run(redis);
    } finally {
      redis.disconnect();
    }
  };
  const account = async (redis: Redis, ref: ReturnType<typeof uniqueFunctionRef>) => ({
    total: Number(await redis.hget(retainedBytesKey(ref), 'total')),
    indexed: await redis.zrange(retainedResultsKey(ref), 0, -1),
  });

  test('a result larger than the whole budget evicts the others and is kept alone', () =>
    withRedis(async (redis) => {
      const ref = uniqueFunctionRef('retained');
      expect(
        await storeRetainedBody(redis, { ref, jobId: 'a' }, Buffer.alloc(64 * KiB, 1), {
          ttlMs: 60_000,
          budgetBytes: 100 * KiB,
        }),
      ).toBe(64 * KiB);
      expect(
        await storeRetainedBody(redis, { ref, jobId: 'b' }, Buffer.alloc(200 * KiB, 2), {
          ttlMs: 60_000,
          budgetBytes: 100 * KiB,
        }),
      ).toBe(200 * KiB);
      expect(await account(redis, ref)).toEqual({ total: 200 * KiB, indexed: [resultBodyKey(ref, 'b')] });
      expect(await redis.exists(resultBodyKey(ref, 'a'))).toBe(0);
      expect((await readStoredBody(redis, resultBodyKey(ref, 'b')))?.equals(Buffer.alloc(200 * KiB, 2))).toBe(
        true,
      );
    }));

  test('results past their expiry leave the account; one stored again is counted once', () =>
    withRedis(async (redis) => {
      const ref = uniqueFunctionRef('retained');
      await storeRetainedBody(redis, { ref, jobId: 'short' }, Buffer.alloc(40 * KiB), {
        ttlMs: 50,
        budgetBytes: 1024 * KiB,
      });
      await storeRetainedBody(redis, { ref, jobId: 'again' }, Buffer.alloc(40 * KiB), {
        ttlMs: 60_000,
        budgetBytes: 1024 * KiB,
      });
      await storeRetainedBody(redis, { ref, jobId: 'again' }, Buffer.alloc(50 * KiB), {
        ttlMs: 60_000,
        budgetBytes: 1024 * KiB,
      });
      await eventually(async () => expect(await redis.exists(resultBodyKey(ref, 'short'))).toBe(0));
      expect(
        await storeRetainedBody(redis, { ref, jobId: 'next' }, Buffer.alloc(40 * KiB), {
          ttlMs: 60_000,
          budgetBytes: 1024 * KiB,
        }),
      ).toBe(90 * KiB);
      expect((await account(redis, ref)).indexed.sort()).toEqual(
        [resultBodyKey(ref, 'again'), resultBodyKey(ref, 'next')].sort(),
      );
      // The account and the index expire with the results they hold.
      expect(await redis.pttl(retainedBytesKey(ref))).toBeGreaterThan(50_000);
    }));

  test('with the default budget (64 MiB) the 65th result of 1 MiB evicts the first', () =>
    withRedis(async (redis) => {
      const ref = uniqueFunctionRef('retained');
      const { retainBytes, retainSeconds } = functionFixture(ref, { image: 'x', command: ['x'] }).spec.async;
      const retention = { ttlMs: retainSeconds * 1000, budgetBytes: retainBytes };
      const jobIds = Array.from({ length: 65 }, (_, i) => `job-${i}`);
      try {
        for (const jobId of jobIds)
          await storeRetainedBody(redis, { ref, jobId }, Buffer.alloc(MiB), retention);
        expect({
          total: Number(await redis.hget(retainedBytesKey(ref), 'total')),
          indexed: await redis.zcard(retainedResultsKey(ref)),
          first: await redis.exists(resultBodyKey(ref, 'job-0')),
          second: await redis.exists(resultBodyKey(ref, 'job-1')),
        }).toEqual({ total: 64 * MiB, indexed: 64, first: 0, second: 1 });
      } finally {
        await redis.del(
          retainedBytesKey(ref),
          retainedResultsKey(ref),
          ...jobIds.map((id) => resultBodyKey(ref, id)),
        );
      }
    }));

  test("an account spoiled by the function's own code counts as empty, and the store still works", () =>
    withRedis(async (redis) => {
      const ref = uniqueFunctionRef('retained');
      await redis.hset(retainedBytesKey(ref), 'total', 'garbage', resultBodyKey(ref, 'x'), 'more garbage');
      await redis.zadd(retainedResultsKey(ref), 0, resultBodyKey(ref, 'x'));
      expect(
        await storeRetainedBody(redis, { ref, jobId: 'y' }, Buffer.alloc(40 * KiB), {
          ttlMs: 60_000,
          budgetBytes: 1024 * KiB,
        }),
      ).toBe(40 * KiB);
      expect(await account(redis, ref)).toEqual({ total: 40 * KiB, indexed: [resultBodyKey(ref, 'y')] });
    }));
});
