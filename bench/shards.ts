// `npm run bench:shards`: six warm `echo` functions behind one gateway at concurrency 64, on one redis-server and
// then on a Redis Cluster of three masters, with the CPU each call costs. On one machine a cluster cannot add
// capacity (every process shares the same cores); what this shows is what the cluster costs per call, and that
// calls spread over the shards.
import { queueKey } from '@spool/api';
import { startRedisCluster } from '../test/support/redis-cluster.js';
import { startRedisServer } from '../test/support/redis-server.js';
import { cpuSeconds } from './processes.js';
import { WARM, fmt, startSpool } from './stack.js';
import { runWrk } from './wrk.js';

const seconds = Number(process.env['SPOOL_BENCH_SECONDS'] ?? 10);
const FUNCTIONS = Array.from({ length: 6 }, (_, i) => `shard${i}`);

interface Target {
  readonly label: string;
  readonly url: string;
  readonly redisPids: readonly number[];
  /** How many masters hold at least one of the functions' queues. */
  mastersUsed(): Promise<number>;
  stop(): Promise<void>;
}

async function singleRedis(): Promise<Target> {
  const redis = await startRedisServer();
  return {
    label: 'one redis-server',
    url: redis.url,
    redisPids: [redis.pid],
    mastersUsed: () => Promise.resolve(1),
    stop: () => redis.stop(),
  };
}

async function cluster(): Promise<Target> {
  // No replicas: the benchmark measures the shards' cost, not replication's.
  const redis = await startRedisCluster(3, 0);
  return {
    label: 'Redis Cluster, 3 masters',
    url: redis.url,
    redisPids: redis.nodes.map((n) => n.pid),
    mastersUsed: async () =>
      new Set(
        await Promise.all(
          FUNCTIONS.map(
            async (name) => (await redis.masterOf(queueKey({ namespace: 'default', name }, 'wait'))).port,
          ),
        ),
      ).size,
    stop: () => redis.stop(),
  };
}

async function measure(target: Target): Promise<string> {
  const spool = await startSpool(target.url, Object.fromEntries(FUNCTIONS.map((name) => [name, WARM])));
  try {
    const replicas = (await Promise.all(FUNCTIONS.map((name) => spool.replicasOf(name)))).flat();
    const pids = [
      spool.gatewayPid,
      ...target.redisPids,
      ...replicas.flatMap((r) => [r.watchdogPid, r.userPid]),
    ];
    const paths = FUNCTIONS.map((name) => `/function/${name}`);
    runWrk(spool.gateway, 16, 2, { paths }); // warm-up
    const before = pids.map(cpuSeconds);
    const load = runWrk(spool.gateway, 64, seconds, { paths });
    const used = pids.map(cpuSeconds).reduce((sum, after, i) => sum + after - before[i]!, 0);
    return `| ${target.label} | ${await target.mastersUsed()} | ${Math.round(load.perSecond)} | ${fmt(load.p50Ms)} / ${fmt(load.p99Ms)} | ${fmt((used * 1000) / Math.max(load.requests, 1), 3)} | ${load.errors} |`;
  } finally {
    await spool.stop();
    await target.stop();
  }
}

const rows = [await measure(await singleRedis()), await measure(await cluster())];
console.log(`
Six warm echo functions (one replica each) behind one gateway, wrk at concurrency 64 for ${seconds} s, requests
taken in turn by each function. CPU per call: gateway + every redis-server + watchdogs + user servers.

| Redis | masters holding queues | calls/s | p50 / p99 ms | CPU ms/call | errors |
|---|---|---|---|---|---|
${rows.join('\n')}`);
