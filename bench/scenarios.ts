// `npm run bench` (second part): what a user sees with Spool's defaults rather than tuned settings. The `echo`
// example with the default concurrency and autoscaling at concurrency 64 against one tuned replica; async calls
// at concurrency 64, accepted and completed, none lost; and what 100 and 1,000 idle functions cost the gateway
// and Redis.
import { Redis } from 'ioredis';
import { callCounterKey, queueKey } from '@spool/api';
import { startRedisServer } from '../test/support/redis-server.js';
import { cpuSeconds, rssBytes } from './processes.js';
import { WARM, describeFn, fmt, replicaProcesses, startSpool, usedMemory, waitUntil } from './stack.js';
import { runWrk, type LoadResult } from './wrk.js';

const seconds = Number(process.env['SPOOL_BENCH_SECONDS'] ?? 10);
const MiB = 1024 * 1024;

/** Load, and the CPU per call of every process of the stack that exists when it ends (replicas come and go). */
function loadWithCpu(url: string, pids: () => number[]): LoadResult & { cpuMsPerCall: number } {
  const before = new Map(pids().map((pid) => [pid, cpuSeconds(pid)]));
  const result = runWrk(url, 64, seconds);
  const used = pids().reduce((sum, pid) => sum + cpuSeconds(pid) - (before.get(pid) ?? 0), 0);
  return { ...result, cpuMsPerCall: (used * 1000) / Math.max(result.requests, 1) };
}

async function defaultAutoscaling(): Promise<string> {
  const redis = await startRedisServer();
  // `tuned`: one replica taking 128 calls at once. `defaults`: concurrency 10 and the default scale (0 to 20,
  // sized for 10 calls per replica).
  const spool = await startSpool(redis.url, { tuned: WARM, defaults: {} });
  try {
    // The replicas running when the load starts and when it ends (the autoscaler may move in between).
    const pidsOf = (name: string) => (): number[] => [
      spool.gatewayPid,
      redis.pid,
      ...replicaProcesses(name).flatMap((r) => [r.watchdogPid, r.userPid]),
    ];
    await spool.replicasOf('tuned');
    runWrk(`${spool.gateway}/function/tuned`, 16, 2);
    const tuned = loadWithCpu(`${spool.gateway}/function/tuned`, pidsOf('tuned'));
    // Load scales it up; then measure at the replica count the autoscaler chose.
    runWrk(`${spool.gateway}/function/defaults`, 64, 5);
    const replicas = (await describeFn(spool.gateway, 'defaults')).availableReplicas;
    const defaults = loadWithCpu(`${spool.gateway}/function/defaults`, pidsOf('defaults'));
    const row = (label: string, r: LoadResult & { cpuMsPerCall: number }, n: number): string =>
      `| ${label} | ${n} | ${Math.round(r.perSecond)} | ${fmt(r.p50Ms)} / ${fmt(r.p99Ms)} | ${fmt(r.cpuMsPerCall, 3)} | ${r.errors} |`;
    return `Default autoscaling at concurrency 64 (${seconds} s): \`echo\` with Spool's defaults (concurrency 10, scale 0 to 20)
against one replica taking 128 calls at once. Ratio of calls/s: ${fmt(defaults.perSecond / tuned.perSecond, 2)}x one replica.

| function | replicas | calls/s | p50 / p99 ms | CPU ms/call | errors |
|---|---|---|---|---|---|
${row('one tuned replica', tuned, 1)}
${row('defaults, autoscaled', defaults, replicas)}`;
  } finally {
    await spool.stop();
    await redis.stop();
  }
}

async function asyncCalls(): Promise<string> {
  const redis = await startRedisServer();
  const spool = await startSpool(redis.url, { warm: WARM });
  const admin = new Redis(redis.url);
  try {
    await spool.replicasOf('warm');
    const ref = { namespace: 'default', name: 'warm' };
    const startedMs = performance.now();
    const load = runWrk(`${spool.gateway}/async-function/warm`, 64, seconds);
    // wrk counts the answers it read before its deadline; calls still in flight then were accepted too. The
    // gateway's call counter counts every call it enqueued, so accepted is exact; lost is what never finished.
    const answered202 = load.requests - load.errors;
    let accepted = 0;
    let finished = 0;
    let progressAtMs = performance.now();
    // Until every accepted call finished, or none finished for 30 s: what is left then is reported lost.
    await waitUntil(
      'async calls to finish',
      async () => {
        accepted = Number(await admin.get(callCounterKey(ref)));
        const now =
          (await admin.zcard(queueKey(ref, 'completed'))) + (await admin.zcard(queueKey(ref, 'failed')));
        if (now > finished) progressAtMs = performance.now();
        finished = now;
        return finished >= accepted || performance.now() - progressAtMs > 30_000;
      },
      600_000,
    );
    const completedSeconds = (performance.now() - startedMs) / 1000;
    const failed = await admin.zcard(queueKey(ref, 'failed'));
    return `Async calls at concurrency 64 (${seconds} s of POSTs to /async-function/warm, one tuned replica):

| 202 read by wrk | jobs accepted | accepted/s | 202 p50 / p99 ms | completed | completed/s (first POST to last completion) | failed | lost |
|---|---|---|---|---|---|---|---|
| ${answered202} | ${accepted} | ${Math.round(load.perSecond)} | ${fmt(load.p50Ms)} / ${fmt(load.p99Ms)} | ${finished - failed} | ${Math.round(finished / completedSeconds)} | ${failed} | ${accepted - finished} |`;
  } finally {
    await admin.quit();
    await spool.stop();
    await redis.stop();
  }
}

async function idleFunctions(count: number): Promise<string> {
  const redis = await startRedisServer();
  const admin = new Redis(redis.url);
  const baseline = await usedMemory(admin);
  const names = Array.from({ length: count }, (_, i) => `idle${i}`);
  const spool = await startSpool(
    redis.url,
    Object.fromEntries(names.map((n) => [n, { scale: '{ min: 0 }' }])),
  );
  try {
    await waitUntil(
      `the gateway to serve all ${count} functions`,
      async () => (await describeFn(spool.gateway, names[count - 1]!).catch(() => undefined)) !== undefined,
      120_000,
    );
    // One call each would create state per function; idle functions are only registered.
    return `| ${count} | ${fmt(rssBytes(spool.gatewayPid) / MiB, 0)} | ${fmt(((await usedMemory(admin)) - baseline) / MiB, 1)} |`;
  } finally {
    await admin.quit();
    await spool.stop();
    await redis.stop();
  }
}

const autoscaling = await defaultAutoscaling();
const asyncTable = await asyncCalls();
const idle = [await idleFunctions(100), await idleFunctions(1000)];
console.log(`
${autoscaling}

${asyncTable}

Idle functions (scale min 0, never called), after the gateway serves them all:

| functions | gateway RSS MiB | Redis memory MiB (over an empty Redis) |
|---|---|---|
${idle.join('\n')}`);
