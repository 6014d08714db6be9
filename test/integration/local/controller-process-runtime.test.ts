// The process runtime with real local processes: scaling, distinct ports, logs, crash replacement, rolling updates.
import { afterEach, describe, expect, jest, test } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FunctionRef, type FunctionSpecInput, type ResolvedFunction } from '@spool/api';
import { createProcessRuntime, silentLog, systemClock, type ProcessRuntime } from '@spool/controller';
import { eventually } from '../../support/eventually.js';
import { functionFixture } from '../../support/local-functions.js';
import { testRedisUrl, uniqueFunctionRef } from '../../support/redis.js';

jest.setTimeout(30_000);

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const fakeWatchdog = join(repoRoot, 'test', 'fixtures', 'controller', 'fake-watchdog.mjs');

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

const fixtureFunction = (ref: FunctionRef, spec: Partial<FunctionSpecInput> = {}): ResolvedFunction =>
  functionFixture(ref, { image: 'fixture:1', command: ['node', 'server.mjs'], timeoutSeconds: 2, ...spec });

function startRuntime(): { runtime: ProcessRuntime; stateDir: string } {
  const stateDir = mkdtempSync(join(tmpdir(), 'spool-controller-'));
  const runtime = createProcessRuntime({
    watchdogCommand: [process.execPath, fakeWatchdog],
    redisUrl: testRedisUrl(),
    stateDir,
    baseEnv: process.env,
    clock: systemClock,
    log: silentLog,
    killMarginMs: 1_000,
  });
  cleanups.push(async () => {
    await runtime.close();
    rmSync(stateDir, { recursive: true, force: true });
  });
  return { runtime, stateDir };
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function envOf(watchdogPort: number): Promise<Record<string, string>> {
  const response = await fetch(`http://127.0.0.1:${watchdogPort}/_/env`);
  return ((await response.json()) as { env: Record<string, string> }).env;
}

const pidsOf = (runtime: ProcessRuntime, ref: FunctionRef): number[] =>
  runtime.replicas(ref).map((r) => r.pid);

async function readyAt(runtime: ProcessRuntime, ref: FunctionRef, replicas: number): Promise<void> {
  await eventually(async () =>
    expect(await runtime.observeReplicas(ref)).toEqual({ replicas, readyReplicas: replicas }),
  );
}

describe('process runtime', () => {
  test('scales 0 → 2 → 0 with real processes, logging to the state folder', async () => {
    const { runtime, stateDir } = startRuntime();
    const ref = uniqueFunctionRef('echo');
    await runtime.apply(fixtureFunction(ref));
    expect(await runtime.observeReplicas(ref)).toEqual({ replicas: 0, readyReplicas: 0 });

    await runtime.scale(ref, 2);
    await readyAt(runtime, ref, 2);
    const pids = pidsOf(runtime, ref);
    expect(pids.filter(isAlive)).toHaveLength(2);
    for (const index of [0, 1]) {
      expect(existsSync(join(stateDir, 'logs', `${ref.namespace}.${ref.name}-${index}.log`))).toBe(true);
    }

    await runtime.scale(ref, 0);
    await readyAt(runtime, ref, 0);
    await eventually(() => expect(pids.filter(isAlive)).toEqual([]));
  });

  test('gives every replica the function, its own ports and the parent environment', async () => {
    const { runtime } = startRuntime();
    const ref = uniqueFunctionRef('echo');
    const fn = fixtureFunction(ref, { workingDir: '/srv/echo' });
    await runtime.apply(fn);
    await runtime.scale(ref, 2);
    await readyAt(runtime, ref, 2);

    const envs = await Promise.all(runtime.replicas(ref).map((r) => envOf(r.watchdogPort)));
    const ports = envs.flatMap((env) => [env['SPOOL_WATCHDOG_PORT'], env['SPOOL_USER_PORT']]);
    expect(new Set(ports).size).toBe(4);
    for (const env of envs) {
      expect(env).toMatchObject({
        SPOOL_FUNCTION_NAME: ref.name,
        SPOOL_FUNCTION_NAMESPACE: ref.namespace,
        SPOOL_REDIS_URL: testRedisUrl(),
        SPOOL_WATCHDOG_HOST: '127.0.0.1',
        PATH: process.env['PATH'],
      });
      expect(JSON.parse(env['SPOOL_FUNCTION_SPEC'] ?? '')).toEqual(fn.spec);
      expect(env['SPOOL_TEST_REDIS_URL']).toBeUndefined();
    }
  });

  test('replaces a replica that dies', async () => {
    const { runtime } = startRuntime();
    const ref = uniqueFunctionRef('echo');
    await runtime.apply(fixtureFunction(ref));
    await runtime.scale(ref, 2);
    await readyAt(runtime, ref, 2);
    const [victim, survivor] = pidsOf(runtime, ref) as [number, number];

    process.kill(victim, 'SIGKILL');

    await eventually(async () => {
      const pids = pidsOf(runtime, ref);
      expect(pids).toHaveLength(2);
      expect(pids).toContain(survivor);
      expect(pids).not.toContain(victim);
      expect(await runtime.observeReplicas(ref)).toEqual({ replicas: 2, readyReplicas: 2 });
    });
  });

  test('a changed spec rolls the replicas: new ones start, then the old ones stop', async () => {
    const { runtime } = startRuntime();
    const ref = uniqueFunctionRef('echo');
    await runtime.apply(fixtureFunction(ref));
    await runtime.scale(ref, 2);
    await readyAt(runtime, ref, 2);
    const before = pidsOf(runtime, ref);

    await runtime.apply(fixtureFunction(ref, { timeoutSeconds: 3 }));

    await eventually(async () => {
      const after = pidsOf(runtime, ref);
      expect(after).toHaveLength(2);
      expect(after.filter((pid) => before.includes(pid))).toEqual([]);
      expect(before.filter(isAlive)).toEqual([]);
      const specs = await Promise.all(runtime.replicas(ref).map((r) => envOf(r.watchdogPort)));
      expect(
        specs.map(
          (env) =>
            (JSON.parse(env['SPOOL_FUNCTION_SPEC'] ?? '{}') as { timeoutSeconds?: number }).timeoutSeconds,
        ),
      ).toEqual([3, 3]);
    });
  });

  test('a replica that ignores SIGTERM is killed after timeoutSeconds plus the margin', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'spool-controller-'));
    const runtime = createProcessRuntime({
      watchdogCommand: [process.execPath, '-e', stubbornWatchdog],
      redisUrl: testRedisUrl(),
      stateDir,
      baseEnv: process.env,
      clock: systemClock,
      log: silentLog,
      killMarginMs: 500,
    });
    cleanups.push(async () => {
      await runtime.close();
      rmSync(stateDir, { recursive: true, force: true });
    });
    const ref = uniqueFunctionRef('stubborn');
    await runtime.apply(fixtureFunction(ref, { timeoutSeconds: 1 }));
    await runtime.scale(ref, 1);
    await readyAt(runtime, ref, 1);
    const pids = pidsOf(runtime, ref);

    await runtime.scale(ref, 0);

    await eventually(() => expect(pids.filter(isAlive)).toEqual([]), { timeoutMs: 5_000 });
  });
});

/** Serves /_/ready but ignores SIGTERM, as a watchdog stuck draining would. */
const stubbornWatchdog = `
const server = require('node:http').createServer((req, res) => res.writeHead(200).end('ready'));
server.listen(Number(process.env.SPOOL_WATCHDOG_PORT), '127.0.0.1');
process.on('SIGTERM', () => {});
`;
