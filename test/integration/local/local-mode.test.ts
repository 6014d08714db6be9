// The embedded default end to end: controller (process runtime, real watchdog processes) and gateway on a
// real Redis. A burst scales a function from zero to several replicas and back to zero, and a replica killed
// in the middle of a call loses nothing: another replica runs the call.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Redis } from 'ioredis';
import {
  channels,
  parseControllerConfig,
  parseGatewayConfig,
  type ReplicaStatus,
  type ResolvedFunction,
} from '@spool/api';
import {
  createController,
  createProcessRuntime,
  silentLog,
  systemClock,
  type Controller,
  type ProcessRuntime,
} from '@spool/controller';
import { createGateway, redisRegistry, type Gateway } from '@spool/gateway';
import { eventually } from '../../support/eventually.js';
import { examplePath, repoRoot, testFunction } from '../../support/local-functions.js';
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
const sturdy = testFunction(
  {
    image: 'x',
    command: ['node', 'server.mjs'],
    workingDir: examplePath('sleep'),
    scale: { min: 1, max: 1 },
  },
  'sturdy',
);

let controller: Controller;
let runtime: ProcessRuntime;
let gateway: Gateway;
let url: string;
const clients: Redis[] = [];
const seen: ReplicaStatus[] = [];
const client = (): Redis => {
  const r = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  clients.push(r);
  return r;
};

beforeAll(async () => {
  const events = client();
  events.on('message', (_c: string, m: string) => seen.push(JSON.parse(m) as ReplicaStatus));
  await events.subscribe(channels.scaled);
  const config = parseControllerConfig({
    SPOOL_REDIS_URL: testRedisUrl(),
    SPOOL_FUNCTIONS_DIR: 'unused',
    SPOOL_WATCHDOG_COMMAND: JSON.stringify([process.execPath, join(repoRoot, 'watchdog/dist/main.js')]),
    SPOOL_SCALE_INTERVAL_MS: '200',
    SPOOL_METRICS_HOST: '127.0.0.1',
    SPOOL_METRICS_PORT: '0',
  });
  runtime = createProcessRuntime({
    watchdogCommand: config.watchdogCommand,
    redisUrl: config.redisUrl,
    stateDir: mkdtempSync(join(tmpdir(), 'spool-local-mode-')),
    // Short locks so a killed replica's call is retried within seconds.
    baseEnv: process.env,
    watchdogEnv: { SPOOL_LOCK_DURATION_MS: '2000' },
    clock: systemClock,
    log: silentLog,
  });
  const functions: ResolvedFunction[] = [burst, sturdy];
  controller = createController({
    config,
    redis: client,
    runtime,
    registry: { list: () => Promise.resolve(functions) },
    clock: systemClock,
    log: silentLog,
  });
  await controller.start();
  const gatewayConfig = parseGatewayConfig({
    SPOOL_FUNCTIONS_DIR: 'unused',
    SPOOL_HOST: '127.0.0.1',
    SPOOL_PORT: '0',
    SPOOL_REDIS_URL: testRedisUrl(),
  });
  const subscriber = client();
  gateway = createGateway({
    config: gatewayConfig,
    redis: client(),
    subscriber,
    registry: await redisRegistry(client(), subscriber),
    gatewayId: 'local-mode-test',
    log: () => undefined,
  });
  url = `http://127.0.0.1:${(await gateway.start()).port}`;
});

afterAll(async () => {
  await gateway.close();
  await controller.close();
  for (const r of clients) r.disconnect();
});

const invoke = (fn: ResolvedFunction, ms: number): Promise<Response> =>
  fetch(`${url}/function/${fn.metadata.name}.${fn.metadata.namespace}?ms=${ms}`);

describe('local mode', () => {
  test('a burst scales 0 → N, every call succeeds, and idleness brings it back to 0', async () => {
    const key = `${burst.metadata.namespace}/burst`;
    const answers = await Promise.all(Array.from({ length: 24 }, () => invoke(burst, 700)));
    const peak = Math.max(...seen.filter((s) => s.key === key).map((s) => s.replicas));
    expect({
      statuses: [...new Set(answers.map((a) => a.status))],
      scaledOut: peak > 1,
      withinMax: peak <= 4,
    }).toEqual({
      statuses: [200],
      scaledOut: true,
      withinMax: true,
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
    const pending = invoke(sturdy, 1500);
    await new Promise((r) => setTimeout(r, 500));
    // As a node failure would: the watchdog and its user process die at once, with the call in flight.
    for (const pid of [...descendantsOf(replica!.pid), replica!.pid]) process.kill(pid, 'SIGKILL');
    const res = await pending;
    expect({
      status: res.status,
      replaced: runtime.replicas(sturdy.metadata)[0]?.pid !== replica!.pid,
    }).toEqual({
      status: 200,
      replaced: true,
    });
  });
});
