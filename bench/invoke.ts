// `npm run bench`: the warm sync path through Spool against calling the same user process directly
// (the physical limit), at concurrency 1, 16 and 64, with the CPU each call costs; then scale from zero.
// Everything runs as real processes on this machine: redis-server, controller, gateway, watchdog, user server.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { throughputPlot, type PlotSeries } from '../scripts/throughput-plot.js';
import { startRedisServer } from '../test/support/redis-server.js';
import { cpuSeconds, pidsWithEnv } from './processes.js';
import { WARM, describeFn, fmt, startSpool, usedMemory, waitUntil } from './stack.js';
import { runWrk, type LoadResult } from './wrk.js';

const seconds = Number(process.env['SPOOL_BENCH_SECONDS'] ?? 10);
/** `SPOOL_BENCH_CASES=small,payloads,cold` (the default: all): which tables to measure, e.g. one to profile. */
const cases = new Set((process.env['SPOOL_BENCH_CASES'] ?? 'small,payloads,cold').split(','));
const KiB = 1024;
const MiB = 1024 * KiB;
/** Body sizes of the payload table: each is POSTed to echo, so it travels both ways. */
const PAYLOADS = [
  { label: '1 KiB', bytes: KiB },
  { label: '64 KiB', bytes: 64 * KiB },
  { label: '1 MiB', bytes: MiB },
  { label: '8 MiB', bytes: 8 * MiB },
];

interface Measured extends LoadResult {
  readonly cpuMsPerCall: number;
}

function measure(url: string, connections: number, pids: readonly number[], body?: Buffer): Measured {
  const before = pids.map(cpuSeconds);
  const result = runWrk(url, connections, seconds, body === undefined ? {} : { body });
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

const coldLine = (sorted: readonly number[]): string =>
  sorted.length === 0
    ? ''
    : `Scale from zero to first response (echo, process runtime), ${sorted.length} rounds: median ${fmt(sorted[Math.floor(sorted.length / 2)]!, 0)} ms, min ${fmt(sorted[0]!, 0)} ms, max ${fmt(sorted[sorted.length - 1]!, 0)} ms.`;

/** docs/benchmarks-throughput.svg: calls/s and p99 against concurrency, direct and through Spool. */
function writeThroughputPlot(
  rows: readonly { concurrency: number; direct: Measured; spool: Measured }[],
): void {
  const seriesOf = (
    label: string,
    color: string,
    pick: (r: (typeof rows)[number]) => Measured,
  ): PlotSeries => ({
    label,
    color,
    points: rows.map((r) => ({
      concurrency: r.concurrency,
      perSecond: pick(r).perSecond,
      p99Ms: pick(r).p99Ms,
    })),
  });
  const svg = throughputPlot([
    seriesOf('direct to the user server', '#1f77b4', (r) => r.direct),
    seriesOf('through Spool', '#d62728', (r) => r.spool),
  ]);
  writeFileSync(fileURLToPath(new URL('../docs/benchmarks-throughput.svg', import.meta.url)), svg);
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const spool = await startSpool(redis.url, {
    warm: WARM,
    cold: { scale: '{ min: 0, max: 1, idleSeconds: 1, scaleDownDelaySeconds: 0 }', concurrency: 128 },
  });
  const { gateway } = spool;
  try {
    const [replica] = await spool.replicasOf('warm');
    if (replica === undefined) throw new Error('no watchdog process for warm');
    const { watchdogPid, userPid, userUrl } = replica;
    const spoolPids = [spool.gatewayPid, redis.pid, watchdogPid, userPid];

    runWrk(`${gateway}/function/warm`, 16, 2); // warm-up: JIT, connections, Redis scripts loaded
    const rows: string[] = [];
    const plotted: { concurrency: number; direct: Measured; spool: Measured }[] = [];
    for (const c of cases.has('small') ? [1, 16, 64] : []) {
      const direct = measure(userUrl, c, [userPid]);
      const spool = measure(`${gateway}/function/warm`, c, spoolPids);
      plotted.push({ concurrency: c, direct, spool });
      rows.push(
        `| ${c} | ${fmt(direct.p50Ms)} / ${fmt(direct.p99Ms)} | ${fmt(spool.p50Ms)} / ${fmt(spool.p99Ms)} | ` +
          `+${fmt(spool.p50Ms - direct.p50Ms)} | ${Math.round(direct.perSecond)} | ${Math.round(spool.perSecond)} | ` +
          `${fmt(spool.perSecond / direct.perSecond, 3)} | ${fmt(direct.cpuMsPerCall, 3)} | ${fmt(spool.cpuMsPerCall, 3)} | ${spool.errors} |`,
      );
    }
    if (plotted.length > 0) writeThroughputPlot(plotted);
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
    await spool.stop();
    await redis.stop();
  }
}

await main();
