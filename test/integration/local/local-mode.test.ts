// The embedded default end to end: controller (process runtime, real watchdog processes) and gateway on a
// real Redis. A burst scales a function from zero to several replicas and back to zero, and a replica killed
// in the middle of a call loses nothing: another replica runs the call. (Live folder changes: live-folder.test.ts.)
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { join } from 'node:path';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Redis } from 'ioredis';
import { channels, type ReplicaStatus, type ResolvedFunction } from '@spool/api';
import { staticSource, type ProcessRuntime } from '@spool/controller';
import { eventually } from '../../support/eventually.js';
import { examplePath, fixturePath, testFunction } from '../../support/local-functions.js';
import {
  startLocalController,
  startRegistryGateway,
  type LocalController,
  type RegistryGateway,
} from '../../support/local-stack.js';
import { testRedisUrl } from '../../support/redis.js';
import { descendantsOf } from '@spool/test-cluster';

jest.setTimeout(90_000);

const burst = testFunction(
  {
    image: 'x',
    command: ['node', 'server.mjs'],
    workingDir: examplePath('sleep'),
    concurrency: 2,
    timeoutSeconds: 10,
    scale: { min: 0, max: 4, targetPerReplica: 2, idleSeconds: 2, scaleDownDelaySeconds: 1 },
  },
  'burst',
);
const stateDir = mkdtempSync(join(tmpdir(), 'spool-local-mode-'));
/** Each call it starts is a line here, so the test knows when one is running and in which process. */
const markFile = join(stateDir, 'sturdy-calls.log');
const sturdy = testFunction(
  {
    image: 'x',
    command: ['node', 'live-server.mjs'],
    workingDir: fixturePath(),
    env: [{ name: 'MARK_FILE', value: markFile }],
    scale: { min: 1, max: 1 },
  },
  'sturdy',
);
const startedCalls = (): { pid: number; call: string }[] => {
  let text = '';
  try {
    text = readFileSync(markFile, 'utf8');
  } catch {
    // No call has started yet.
  }
  return text
    .split('\n')
    .filter((line) => line.startsWith('started '))
    .map((line) => {
      const [, pid, call = ''] = line.split(' ');
      return { pid: Number(pid), call };
    });
};

let local: LocalController;
let runtime: ProcessRuntime;
let gateway: RegistryGateway;
let url: string;
let events: Redis;
const seen: ReplicaStatus[] = [];

beforeAll(async () => {
  events = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  events.on('message', (_c: string, m: string) => seen.push(JSON.parse(m) as ReplicaStatus));
  await events.subscribe(channels.scaled);
  // The default lock, as the controller's main gives replicas, so a killed replica's call re-runs in seconds.
  local = await startLocalController({
    source: staticSource([burst, sturdy]),
    // Below the burst's scale.max of 4: the runtime's cap, not the spec, bounds the peak.
    env: { SPOOL_SCALE_INTERVAL_MS: '200', SPOOL_LOCAL_MAX_REPLICAS: '3' },
    stateDir,
  });
  runtime = local.runtime;
  gateway = await startRegistryGateway();
  url = gateway.url;
});

afterAll(async () => {
  await gateway.close();
  await local.close();
  events.disconnect();
});

const invoke = (fn: ResolvedFunction, ms: number, call = ''): Promise<Response> =>
  fetch(`${url}/function/${fn.metadata.name}.${fn.metadata.namespace}?ms=${ms}&call=${call}`);

describe('local mode', () => {
  test('a burst scales 0 → N (up to SPOOL_LOCAL_MAX_REPLICAS), every call succeeds, and idleness brings it back to 0', async () => {
    const key = `${burst.metadata.namespace}/burst`;
    const answers = await Promise.all(Array.from({ length: 24 }, () => invoke(burst, 700)));
    const peak = Math.max(...seen.filter((s) => s.key === key).map((s) => s.replicas));
    expect({
      statuses: [...new Set(answers.map((a) => a.status))],
      scaledOut: peak > 1,
      withinCap: peak <= 3,
    }).toEqual({
      statuses: [200],
      scaledOut: true,
      withinCap: true,
    });
    await eventually(() => expect(seen.filter((s) => s.key === key).at(-1)?.replicas).toBe(0), {
      timeoutMs: 20_000,
    });
  });

  test('a replica killed in the middle of a call loses nothing: its replacement answers it', async () => {
    await eventually(
      async () => expect((await runtime.observeReplicas(sturdy.metadata)).readyReplicas).toBe(1),
      { timeoutMs: 20_000 },
    );
    const [replica] = runtime.replicas(sturdy.metadata);
    const userPids = descendantsOf(replica!.pid);
    const pending = invoke(sturdy, 3_000, 'kill-me');
    // The call is running in this replica's user process: it said so before its 3 s sleep began.
    const [first] = await eventually(() => {
      const started = startedCalls().filter((c) => c.call === 'kill-me');
      expect(started).toHaveLength(1);
      return started;
    });
    // As a node failure would: the watchdog and its user process die at once, with the call in flight.
    for (const pid of [...userPids, replica!.pid]) process.kill(pid, 'SIGKILL');
    const res = await pending;
    const body = (await res.json()) as { pid: number };
    const runs = startedCalls().filter((c) => c.call === 'kill-me');
    expect({
      killedWhileRunning: userPids.includes(first!.pid),
      status: res.status,
      runs: runs.length,
      answeredBy: body.pid === first!.pid ? 'the killed process' : 'another process',
      secondRunElsewhere: runs[1]?.pid !== first!.pid,
      replaced: runtime.replicas(sturdy.metadata)[0]?.pid !== replica!.pid,
    }).toEqual({
      killedWhileRunning: true,
      status: 200,
      runs: 2,
      answeredBy: 'another process',
      secondRunElsewhere: true,
      replaced: true,
    });
  });
});
