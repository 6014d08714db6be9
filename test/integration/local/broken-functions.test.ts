// Issue 12 in local mode: a user process that exits at start, or whose command does not exist, is reported as
// CrashLoopBackOff with its exit and stderr tail (conditions within 30 s), and a sync call then fails fast with
// 503 FUNCTION_UNAVAILABLE naming the reason (within 5 s); an async call is still accepted. Real controller
// (process runtime, real watchdog processes), real gateway, real Redis, default watchdog settings.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parseControllerConfig, parseGatewayConfig, type ResolvedFunction } from '@spool/api';
import {
  createLocalController,
  createProcessRuntime,
  silentLog,
  staticSource,
  systemClock,
  type Controller,
} from '@spool/controller';
import { createGateway, redisRegistry, type Gateway } from '@spool/gateway';
import { eventually } from '../../support/eventually.js';
import { repoRoot, testFunction } from '../../support/local-functions.js';
import { testRedisUrl } from '../../support/redis.js';

jest.setTimeout(120_000);

const exitsAtStart = testFunction(
  {
    image: 'x',
    command: [process.execPath, '-e', 'process.stderr.write("boom: no config found\\n"); process.exit(3)'],
    scale: { min: 1, max: 1 },
  },
  'exits-at-start',
);
const missingCommand = testFunction(
  { image: 'x', command: ['/nonexistent/spool-test-command'], scale: { min: 1, max: 1 } },
  'missing-command',
);

let controller: Controller;
let gateway: Gateway;
let url: string;
const clients: Redis[] = [];
const client = (): Redis => {
  const r = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  clients.push(r);
  return r;
};

beforeAll(async () => {
  const config = parseControllerConfig({
    SPOOL_REDIS_URL: testRedisUrl(),
    SPOOL_FUNCTIONS_DIR: 'unused',
    SPOOL_WATCHDOG_COMMAND: JSON.stringify([process.execPath, join(repoRoot, 'watchdog/dist/main.js')]),
    SPOOL_METRICS_HOST: '127.0.0.1',
    SPOOL_METRICS_PORT: '0',
  });
  const runtime = createProcessRuntime({
    watchdogCommand: config.watchdogCommand,
    redisUrl: config.redisUrl,
    stateDir: mkdtempSync(join(tmpdir(), 'spool-broken-')),
    baseEnv: process.env,
    watchdog: { lock: config.watchdogLock },
    clock: systemClock,
    log: silentLog,
  });
  controller = createLocalController({
    config,
    redis: client,
    runtime,
    source: staticSource([exitsAtStart, missingCommand]),
    clock: systemClock,
    log: silentLog,
  });
  await controller.start();
  const subscriber = client();
  gateway = createGateway({
    config: parseGatewayConfig({
      SPOOL_FUNCTIONS_DIR: 'unused',
      SPOOL_HOST: '127.0.0.1',
      SPOOL_PORT: '0',
      SPOOL_REDIS_URL: testRedisUrl(),
    }),
    redis: client(),
    subscriber,
    registry: await redisRegistry(client(), subscriber),
    gatewayId: 'broken-functions-test',
    log: silentLog,
  });
  url = `http://127.0.0.1:${(await gateway.start()).port}`;
});

afterAll(async () => {
  await gateway.close();
  await controller.close();
  for (const r of clients) r.disconnect();
});

interface Described {
  readonly state?: string;
  readonly conditions: { type: string; status: string; reason: string; message: string }[];
}

const describeFn = async (fn: ResolvedFunction): Promise<Described> => {
  const res = await fetch(`${url}/system/function/${fn.metadata.name}.${fn.metadata.namespace}`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`/system/function answered ${res.status}: ${text}`);
  return JSON.parse(text) as Described;
};
const ready = async (fn: ResolvedFunction): Promise<Described['conditions'][number] | undefined> =>
  (await describeFn(fn)).conditions.find((c) => c.type === 'Ready');

describe.each([
  {
    name: 'a user process that exits at start',
    fn: exitsAtStart,
    mentions: /exited with code 3: boom: no config found/,
  },
  { name: 'a command that does not exist', fn: missingCommand, mentions: /spool-test-command/ },
])('$name', ({ fn, mentions }) => {
  test('is CrashLoopBackOff with its exit within 30 s, and a sync call fails within 5 s naming it', async () => {
    const startedAt = Date.now();
    await eventually(async () => expect((await ready(fn))?.reason).toBe('CrashLoopBackOff'), {
      timeoutMs: 30_000,
    });
    const condition = await ready(fn);
    const conditionAfterMs = Date.now() - startedAt;

    const callStarted = Date.now();
    const res = await fetch(`${url}/function/${fn.metadata.name}.${fn.metadata.namespace}`, {
      method: 'POST',
      body: 'x',
    });
    const body = (await res.json()) as { code: string; message: string };
    const callMs = Date.now() - callStarted;
    const accepted = await fetch(`${url}/async-function/${fn.metadata.name}.${fn.metadata.namespace}`, {
      method: 'POST',
      body: 'x',
    });

    expect({
      condition: { status: condition?.status, mentions: mentions.test(condition?.message ?? '') },
      conditionWithin30s: conditionAfterMs < 30_000,
      call: { status: res.status, code: body.code, mentions: mentions.test(body.message) },
      callWithin5s: callMs < 5_000,
      async: accepted.status,
    }).toEqual({
      condition: { status: 'False', mentions: true },
      conditionWithin30s: true,
      call: { status: 503, code: 'FUNCTION_UNAVAILABLE', mentions: true },
      callWithin5s: true,
      async: 202,
    });
  });
});
