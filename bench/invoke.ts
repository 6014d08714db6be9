// `npm run bench`: the warm sync path through Spool against calling the same user process directly
// (the physical limit), at concurrency 1, 16 and 64, with the CPU each call costs; then scale from zero.
// Everything runs as real processes on this machine: redis-server, controller, gateway, watchdog, user server.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startRedisServer, freePort } from '../test/support/redis-server.js';
import { descendantsOf } from '@spool/test-cluster';
import { cpuSeconds, envOf, pidsWithEnv, startService, stopService } from './processes.js';
import { runWrk, type LoadResult } from './wrk.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const seconds = Number(process.env['SPOOL_BENCH_SECONDS'] ?? 10);
const token = 'bench';
const node = process.execPath;
/** `SPOOL_BENCH_PROFILE_DIR=DIR`: gateway and watchdog write V8 CPU profiles there (`npm run bench:profile` sums them). */
const profileDir = process.env['SPOOL_BENCH_PROFILE_DIR'];
/** `SPOOL_BENCH_CASES=small,payloads,cold` (the default: all): which tables to measure, e.g. one to profile. */
const cases = new Set((process.env['SPOOL_BENCH_CASES'] ?? 'small,payloads,cold').split(','));
const profiled = (script: string): string[] =>
  profileDir === undefined ? [script] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, script];
const KiB = 1024;
const MiB = 1024 * KiB;
/** Body sizes of the payload table: each is POSTed to echo, so it travels both ways. */
const PAYLOADS = [
  { label: '1 KiB', bytes: KiB },
  { label: '64 KiB', bytes: 64 * KiB },
  { label: '1 MiB', bytes: MiB },
  { label: '8 MiB', bytes: 8 * MiB },
];

function functionsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'spool-bench-fns-'));
  const fn = (name: string, scale: string): string => `apiVersion: spool.dev/v1alpha1
kind: Function
metadata:
  name: ${name}
spec:
  image: bench
  command: [node, server.mjs]
  workingDir: ${join(root, 'examples/echo')}
  concurrency: 128
  timeoutSeconds: 10
  maxBodyBytes: ${16 * MiB}
  maxResponseBytes: ${16 * MiB}
  scale: ${scale}
`;
  writeFileSync(join(dir, 'warm.yaml'), fn('warm', '{ min: 1, max: 1 }'));
  writeFileSync(
    join(dir, 'cold.yaml'),
    fn('cold', '{ min: 0, max: 1, idleSeconds: 1, scaleDownDelaySeconds: 0 }'),
  );
  return dir;
}

async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const describeFn = async (
  gateway: string,
  name: string,
): Promise<{ replicas: number; availableReplicas: number }> =>
  (
    await fetch(`${gateway}/system/function/${name}`, { headers: { authorization: `Bearer ${token}` } })
  ).json() as Promise<{
    replicas: number;
    availableReplicas: number;
  }>;

interface Measured extends LoadResult {
  readonly cpuMsPerCall: number;
}

function measure(url: string, connections: number, pids: readonly number[], body?: Buffer): Measured {
  const before = pids.map(cpuSeconds);
  const result = runWrk(url, connections, seconds, body);
  const used = pids.map(cpuSeconds).reduce((sum, after, i) => sum + after - before[i]!, 0);
  return { ...result, cpuMsPerCall: (used * 1000) / Math.max(result.requests, 1) };
}

async function coldStarts(gateway: string, rounds: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await waitUntil(
      'cold to reach zero',
      async () => (await describeFn(gateway, 'cold')).replicas === 0,
      60_000,
    );
    await waitUntil(
      'cold replicas to exit',
      () => pidsWithEnv(['SPOOL_FUNCTION_NAME=cold']).length === 0,
      60_000,
    );
    const started = performance.now();
    const res = await fetch(`${gateway}/function/cold`, { method: 'POST', body: 'wake' });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`cold call answered ${res.status}`);
    times.push(performance.now() - started);
  }
  return times;
}

const fmt = (n: number, digits = 2): string => n.toFixed(digits);

const coldLine = (sorted: readonly number[]): string =>
  sorted.length === 0
    ? ''
    : `Scale from zero to first response (echo, process runtime), ${sorted.length} rounds: median ${fmt(sorted[Math.floor(sorted.length / 2)]!, 0)} ms, min ${fmt(sorted[0]!, 0)} ms, max ${fmt(sorted[sorted.length - 1]!, 0)} ms.`;

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? NaN);
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const gatewayPort = await freePort();
  const gateway = `http://127.0.0.1:${gatewayPort}`;
  const fnDir = functionsDir();
  const common = { SPOOL_REDIS_URL: redis.url, SPOOL_FUNCTIONS_DIR: fnDir };
  const controller = startService(node, [join(root, 'controller/dist/main.js')], {
    ...common,
    SPOOL_RUNTIME: 'process',
    SPOOL_STATE_DIR: mkdtempSync(join(tmpdir(), 'spool-bench-state-')),
    SPOOL_WATCHDOG_COMMAND: JSON.stringify([node, ...profiled(join(root, 'watchdog/dist/main.js'))]),
    SPOOL_METRICS_HOST: '127.0.0.1',
    SPOOL_METRICS_PORT: '0',
    SPOOL_SCALE_INTERVAL_MS: '1000',
  });
  const gw = startService(node, profiled(join(root, 'gateway/dist/main.js')), {
    ...common,
    SPOOL_HOST: '127.0.0.1',
    SPOOL_PORT: String(gatewayPort),
    SPOOL_ADMIN_TOKEN: token,
  });
  try {
    await waitUntil(
      'the warm replica',
      async () =>
        (await describeFn(gateway, 'warm').catch(() => ({ availableReplicas: 0 }))).availableReplicas === 1,
    );
    const [watchdogPid] = pidsWithEnv(['SPOOL_FUNCTION_NAME=warm']);
    if (watchdogPid === undefined) throw new Error('no watchdog process for warm');
    const userPid = descendantsOf(watchdogPid)[0];
    if (userPid === undefined) throw new Error('no user process under the watchdog');
    const userUrl = `http://127.0.0.1:${envOf(watchdogPid)['SPOOL_USER_PORT']}/`;
    const spoolPids = [gw.pid!, redis.pid, watchdogPid, userPid];

    runWrk(`${gateway}/function/warm`, 16, 2); // warm-up: JIT, connections, Redis scripts loaded
    const rows: string[] = [];
    for (const c of cases.has('small') ? [1, 16, 64] : []) {
      const direct = measure(userUrl, c, [userPid]);
      const spool = measure(`${gateway}/function/warm`, c, spoolPids);
      rows.push(
        `| ${c} | ${fmt(direct.p50Ms)} / ${fmt(direct.p99Ms)} | ${fmt(spool.p50Ms)} / ${fmt(spool.p99Ms)} | ` +
          `+${fmt(spool.p50Ms - direct.p50Ms)} | ${Math.round(direct.perSecond)} | ${Math.round(spool.perSecond)} | ` +
          `${fmt(spool.perSecond / direct.perSecond, 3)} | ${fmt(direct.cpuMsPerCall, 3)} | ${fmt(spool.cpuMsPerCall, 3)} | ${spool.errors} |`,
      );
    }
    const payloadRows: string[] = [];
    const admin = new Redis(redis.url);
    for (const { label, bytes } of cases.has('payloads') ? PAYLOADS : []) {
      const body = Buffer.alloc(bytes, 'x');
      const direct = measure(userUrl, 1, [userPid], body);
      const memoryBefore = await usedMemory(admin);
      const spool = measure(`${gateway}/function/warm`, 1, spoolPids, body);
      // What Redis still holds of those calls once answered: the 5-minute /calls history of sync calls.
      const retainedPerCall = (await usedMemory(admin)) - memoryBefore;
      payloadRows.push(
        `| ${label} | ${fmt(direct.p50Ms)} | ${fmt(spool.p50Ms)} | +${fmt(spool.p50Ms - direct.p50Ms)} | ` +
          `${fmt(spool.cpuMsPerCall, 2)} | ${fmt(retainedPerCall / Math.max(spool.requests, 1) / bytes, 3)} | ${spool.errors} |`,
      );
    }
    await admin.quit();
    const cold = (await coldStarts(gateway, cases.has('cold') ? 5 : 0)).sort((a, b) => a - b);
    console.log(`
Warm sync path, ${seconds} s per run, POST of 17 bytes, wrk on the same machine (2 cores shared by everything).
"direct" calls the user server the watchdog runs; "spool" goes client → gateway → Redis → watchdog → user server.
CPU per call: direct counts the user process; spool counts gateway + redis-server + watchdog + user process.

| concurrency | direct p50 / p99 ms | spool p50 / p99 ms | added p50 ms | direct calls/s | spool calls/s | spool ÷ direct | direct CPU ms/call | spool CPU ms/call | spool errors |
|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Payloads at concurrency 1: the same body POSTed to echo, so it travels both ways. "Retained" is Redis's used
memory after the run minus before, per call, as a share of the body: what the sync history keeps.

| body | direct p50 ms | spool p50 ms | added p50 ms | spool CPU ms/call | retained ÷ body | spool errors |
|---|---|---|---|---|---|---|
${payloadRows.join('\n')}

${coldLine(cold)}`);
  } finally {
    await stopService(gw);
    await stopService(controller);
    await redis.stop();
  }
}

await main();
