// Fault suite (issue 10 item 5): idle means no calls, not an empty queue at one sampling instant. Steady traffic of
// 5 calls/s of 10 ms for 20 s to a function with `idleSeconds: 3`, under the controller's default autoscaler
// settings, never scales it to zero (no cold start); once the traffic stops it does, within idle + delay + a bound.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { channels, functionKey, type ReplicaStatus } from '@spool/api';
import { staticSource } from '@spool/controller';
import { eventually } from '../support/eventually.js';
import { fixturePath, functionFixture, startGateway, type TestGateway } from '../support/local-functions.js';
import { startLocalController, type LocalController } from '../support/local-stack.js';
import { testRedisUrl, uniqueFunctionRef } from '../support/redis.js';
import { report, tally, type LedgerEntry } from './support.js';

jest.setTimeout(120_000);

const stateDir = mkdtempSync(join(tmpdir(), 'spool-faults-idle-'));
const ledgerFile = join(stateDir, 'ledger.jsonl');
const ref = uniqueFunctionRef('idle');
const fn = functionFixture(ref, {
  image: 'spool-test/ledger:1',
  command: [process.execPath, fixturePath('ledger-server.mjs')],
  mode: 'http',
  timeoutSeconds: 5,
  concurrency: 4,
  env: [{ name: 'LEDGER_FILE', value: ledgerFile }],
  scale: { min: 0, max: 1, idleSeconds: 3 },
});
const ledger = (): LedgerEntry[] =>
  existsSync(ledgerFile)
    ? readFileSync(ledgerFile, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as LedgerEntry)
    : [];

const seen: ReplicaStatus[] = [];
let events: Redis;
let local: LocalController;
let gateway: TestGateway;

beforeAll(async () => {
  events = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  events.on('message', (_channel: string, message: string) => {
    const status = JSON.parse(message) as ReplicaStatus;
    if (status.key === functionKey(ref)) seen.push(status);
  });
  await events.subscribe(channels.scaled);
  // The controller's defaults (scale interval, lock settings), as `npm start` runs it.
  // As its own user, with a credential store: replicas get the function's own user, as `npm start` runs them.
  local = await startLocalController({ source: staticSource([fn]), stateDir, ownUsers: true });
  gateway = await startGateway([fn]);
});

afterAll(async () => {
  await gateway?.close();
  await local?.close();
  events?.disconnect();
  rmSync(stateDir, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly callId: string;
  readonly atMs: number;
}

async function call(): Promise<Answer> {
  const response = await fetch(`${gateway.url}/function/${ref.name}.${ref.namespace}?ms=10`);
  await response.arrayBuffer();
  return { status: response.status, callId: response.headers.get('x-call-id') ?? '', atMs: Date.now() };
}

/** User servers started: each replica start (cold start) records its one grandchild. */
const serverStarts = (fromMs: number, toMs = Infinity): number =>
  ledger().filter((e) => e.event === 'child' && e.atMs >= fromMs && e.atMs <= toMs).length;

describe('steady short calls', () => {
  test('5 calls/s of 10 ms for 20 s never scale to zero; once they stop, it scales to zero', async () => {
    expect((await call()).status).toBe(200); // wakes it from zero: the one cold start before the traffic
    const fromMs = Date.now();
    const fromIndex = seen.length;
    const answers: Promise<Answer>[] = [];
    for (let i = 0; i < 100; i += 1) {
      answers.push(call());
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const results = await Promise.all(answers);
    const stoppedAtMs = Math.max(...results.map((r) => r.atMs));
    const duringTraffic = seen.slice(fromIndex);
    const scaledToZero = duringTraffic.filter((s) => s.replicas === 0).length;
    const coldStarts = serverStarts(fromMs, stoppedAtMs);

    // After the traffic: idle 3 s, then the default scale-down delay, then a tick; 15 s of slack for the load.
    const boundMs = (fn.spec.scale.idleSeconds + fn.spec.scale.scaleDownDelaySeconds) * 1000 + 15_000;
    const zeroAtMs = await eventually(
      () => {
        const last = seen.at(-1);
        expect(last?.replicas).toBe(0);
        return last!.atMs;
      },
      { timeoutMs: boundMs, intervalMs: 100 },
    );
    const callIds = results.map((r) => r.callId);
    const figures = tally({
      callIds,
      answered: results.filter((r) => r.status === 200).map((r) => r.callId),
      ledger: ledger(),
      killedPids: new Set(),
      killAtMs: fromMs,
      lastAnswerAtMs: stoppedAtMs,
    });
    const toZeroMs = zeroAtMs - stoppedAtMs;
    report('5 calls/s of 10 ms for 20 s, idleSeconds 3, default autoscaler', {
      ...figures,
      scaledToZero,
      coldStarts,
      toZeroMs,
    });
    expect({
      sent: figures.sent,
      answered: figures.answered,
      lost: figures.lost,
      duplicated: figures.duplicated,
      scaledToZero,
      coldStarts,
      toZeroAfterIdle: toZeroMs >= fn.spec.scale.idleSeconds * 1000,
    }).toEqual({
      sent: 100,
      answered: 100,
      lost: 0,
      duplicated: 0,
      scaledToZero: 0,
      coldStarts: 0,
      toZeroAfterIdle: true,
    });
  });
});
