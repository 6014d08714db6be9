// Issue 10, items 3 and 4 together: under `npm start`'s own launcher, its Redis is SIGKILLed while async and sync
// calls are in flight (more sync calls than the replica's concurrency, so some are still queued). The launcher
// restarts Redis on the same port and data folder (AOF, as it configures it). Every async call then completes
// exactly once; every sync caller gets an answer, 200 or 503, and none hangs; no sync call answered 503 runs later.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { eventually } from '../support/eventually.js';
import { startLauncher, type Launcher } from './support/launcher.js';
import { call, executions, report, tally } from './support/tally.js';

jest.setTimeout(180_000);

/** test/faults/fixtures/count: concurrency 32 on its one replica. */
const CONCURRENCY = 32;
const ASYNC_CALLS = 10;
const SYNC_CALLS = 30;
const CALL_MS = 3_000;

let stack: Launcher;
beforeAll(async () => {
  stack = await startLauncher();
});
afterAll(() => stack?.remove());

interface AsyncCall {
  readonly id: string;
  readonly token: string;
}

async function postAsync(id: string): Promise<AsyncCall> {
  const response = await fetch(`${stack.url}/async-function/count?id=${id}&ms=${CALL_MS}`, {
    method: 'POST',
  });
  expect(response.status).toBe(202);
  return { id: response.headers.get('x-call-id') ?? '', token: response.headers.get('x-call-token') ?? '' };
}

async function stateOf(c: AsyncCall): Promise<string> {
  const response = await fetch(`${stack.url}/calls/${c.id}`, { headers: { 'x-call-token': c.token } }).catch(
    () => undefined,
  );
  if (response?.status !== 200) return `unreadable (${response?.status ?? 'no answer'})`;
  const body: unknown = await response.json();
  return typeof body === 'object' && body !== null && 'state' in body ? String(body.state) : 'unreadable';
}

describe('Redis SIGKILLed under the launcher with calls in flight', () => {
  test('async calls complete once, sync callers are answered, no 503 call runs later', async () => {
    const asyncIds = Array.from({ length: ASYNC_CALLS }, (_, i) => `async-${i}`);
    const asyncCalls = await Promise.all(asyncIds.map(postAsync));
    const syncIds = Array.from({ length: SYNC_CALLS }, (_, i) => `sync-${i}`);
    // A generous bound: a sync caller still waiting after it has hung.
    const syncAnswers = Promise.all(
      syncIds.map((id) => call(`${stack.url}/function/count?id=${id}&ms=${CALL_MS}`, id, 120_000)),
    );
    // The replica is full (its concurrency taken by async and sync calls), the rest of the sync calls are queued.
    await eventually(
      () => {
        const runs = executions(stack.countLog);
        const started = [...asyncIds, ...syncIds].filter((id) => runs.has(id)).length;
        expect(started).toBe(CONCURRENCY);
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    const before = stack.stackFile().children.redis;
    const runsAtKill = executions(stack.countLog);
    const killedAt = Date.now();
    process.kill(before!, 'SIGKILL');

    const answers = await syncAnswers;
    const lastSyncAnswerMs = Date.now() - killedAt;
    await eventually(() => expect(stack.stackFile().children.redis).not.toBe(before), { timeoutMs: 15_000 });
    const states = await eventually(
      async () => {
        const all = await Promise.all(asyncCalls.map(stateOf));
        expect(all.filter((s) => s !== 'succeeded' && s !== 'failed')).toEqual([]);
        return all;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    const asyncDoneMs = Date.now() - killedAt;
    // A fresh call through the recovered stack, then a settle: a 503'd call still queued would be taken within
    // milliseconds by the idle replica, and run for CALL_MS.
    await eventually(
      async () => expect((await call(`${stack.url}/function/count?id=probe`, 'probe')).status).toBe(200),
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    await new Promise((resolve) => setTimeout(resolve, CALL_MS + 1_000));

    const runs = executions(stack.countLog);
    const refused = answers.filter((a) => a.status === 503);
    const ranAfter503 = refused
      .filter((a) => (runs.get(a.id) ?? 0) > (runsAtKill.get(a.id) ?? 0))
      .map((a) => a.id);
    const asyncRuns = asyncIds.map((id) => runs.get(id) ?? 0);
    const figures = tally(answers, runs);
    report('launcher-redis-killed-with-calls-in-flight', {
      ...figures,
      sync200: answers.filter((a) => a.status === 200).length,
      sync503: refused.length,
      asyncSent: ASYNC_CALLS,
      asyncSucceeded: states.filter((s) => s === 'succeeded').length,
      asyncDuplicated: asyncRuns.filter((n) => n > 1).length,
      ranAfter503: ranAfter503.length,
      lastSyncAnswerMs,
      recoverMs: asyncDoneMs,
    });
    expect({
      lost: figures.lost,
      ranAfter503,
      asyncStates: [...new Set(states)],
      asyncRuns,
      restartLine: stack.output().includes('spool: redis exited (SIGKILL)'),
    }).toEqual({
      lost: 0,
      ranAfter503: [],
      asyncStates: ['succeeded'],
      asyncRuns: asyncIds.map(() => 1),
      restartLine: true,
    });
    // Only 200 or 503 QUEUE_UNAVAILABLE: never a hang (status 0), a 504 or a 500.
    expect(
      answers.filter((a) => a.status !== 200 && !(a.status === 503 && a.code === 'QUEUE_UNAVAILABLE')),
    ).toEqual([]);
  });
});
