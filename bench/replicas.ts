// `npm run bench:replicas`: why N replicas of one function on one machine cost more per call than one (issue 14
// item 3). The `echo` example at Spool's default concurrency (10 per replica) pinned at 1, 2, 4 and 7 replicas,
// each under the same load (concurrency 64): calls/s, CPU per call by process kind, and the Redis commands each
// call costs (INFO commandstats), which count work whatever else the machine is doing.
import { Redis } from 'ioredis';
import { startRedisServer } from '../test/support/redis-server.js';
import { cpuSeconds } from './processes.js';
import { fmt, startSpool } from './stack.js';
import { runWrk } from './wrk.js';

const seconds = Number(process.env['SPOOL_BENCH_SECONDS'] ?? 8);
const counts = (process.env['SPOOL_BENCH_REPLICAS'] ?? '1,2,4,7').split(',').map(Number);
const concurrency = Number(process.env['SPOOL_BENCH_CONCURRENCY'] ?? 10);
/** wrk's connections: the calls in flight the load keeps. */
const load = Number(process.env['SPOOL_BENCH_LOAD'] ?? 64);

interface CommandCost {
  readonly calls: number;
  /** Time Redis spent running them; a script's includes the commands it called, which are counted too. */
  readonly usec: number;
}

/** `cmdstat_<name>:calls=N,usec=U,...` lines of INFO commandstats, by command. */
export function commandCosts(info: string): Map<string, CommandCost> {
  const costs = new Map<string, CommandCost>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm))
    costs.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
  return costs;
}

interface Row {
  readonly replicas: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly errors: number;
  readonly cpuMs: Readonly<Record<'gateway' | 'redis' | 'watchdogs' | 'users', number>>;
  readonly commandsPerCall: ReadonlyMap<string, CommandCost>;
}

async function measure(replicas: number): Promise<Row> {
  const redis = await startRedisServer();
  const spool = await startSpool(redis.url, {
    echo: { scale: `{ min: ${replicas}, max: ${replicas} }`, concurrency },
  });
  const admin = new Redis(redis.url);
  try {
    const found = await spool.replicasOf('echo', replicas);
    runWrk(`${spool.gateway}/function/echo`, 16, 2);
    const groups = {
      gateway: [spool.gatewayPid],
      redis: [redis.pid],
      watchdogs: found.map((r) => r.watchdogPid),
      users: found.map((r) => r.userPid),
    };
    const cpu = (): Record<keyof typeof groups, number> =>
      Object.fromEntries(
        Object.entries(groups).map(([k, pids]) => [k, pids.reduce((s, pid) => s + cpuSeconds(pid), 0)]),
      ) as Record<keyof typeof groups, number>;
    const cpuBefore = cpu();
    const commandsBefore = commandCosts(await admin.info('commandstats'));
    const result = runWrk(`${spool.gateway}/function/echo`, load, seconds);
    const cpuAfter = cpu();
    const commandsAfter = commandCosts(await admin.info('commandstats'));
    const calls = Math.max(result.requests, 1);
    const perCall = new Map<string, CommandCost>();
    for (const [name, after] of commandsAfter) {
      const before = commandsBefore.get(name) ?? { calls: 0, usec: 0 };
      const delta = after.calls - before.calls;
      // `info` itself is this benchmark's.
      if (delta > 0 && name !== 'info')
        perCall.set(name, { calls: delta / calls, usec: (after.usec - before.usec) / calls });
    }
    const cpuMs = Object.fromEntries(
      Object.keys(groups).map((k) => {
        const key = k as keyof typeof groups;
        return [key, ((cpuAfter[key] - cpuBefore[key]) * 1000) / calls];
      }),
    ) as Row['cpuMs'];
    return { replicas, ...result, cpuMs, commandsPerCall: perCall };
  } finally {
    admin.disconnect();
    await spool.stop();
    await redis.stop();
  }
}

const rows: Row[] = [];
for (const n of counts) rows.push(await measure(n));

const commands = [
  ...new Set(rows.flatMap((r) => [...r.commandsPerCall].filter(([, v]) => v.calls >= 0.01).map(([k]) => k))),
].sort();
const total = (r: Row): number => Object.values(r.cpuMs).reduce((a, b) => a + b, 0);
const one = rows[0]!;
console.log(
  `Replicas of \`echo\` (concurrency ${concurrency} each) at concurrency ${load}, ${seconds} s per row. Ratios against ${one.replicas} replica(s).\n`,
);
console.log(
  '| replicas | calls/s | ratio | p50 ms | CPU ms/call: gateway / redis / watchdogs / users = total | errors |',
);
console.log('|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.replicas} | ${Math.round(r.perSecond)} | ${fmt(r.perSecond / one.perSecond)}x | ${fmt(r.p50Ms)} | ${fmt(r.cpuMs.gateway, 3)} / ${fmt(r.cpuMs.redis, 3)} / ${fmt(r.cpuMs.watchdogs, 3)} / ${fmt(r.cpuMs.users, 3)} = ${fmt(total(r), 3)} | ${r.errors} |`,
  );
console.log(
  "\nRedis commands per call, and the µs Redis spent in them per call (a script's µs include the commands it ran):\n",
);
const cell = (cost: CommandCost | undefined): string =>
  `${fmt(cost?.calls ?? 0)} / ${fmt(cost?.usec ?? 0, 1)} µs`;
console.log(`| command | ${rows.map((r) => `${r.replicas}`).join(' | ')} |`);
console.log(`|---|${rows.map(() => '---').join('|')}|`);
for (const c of commands)
  console.log(`| ${c} | ${rows.map((r) => cell(r.commandsPerCall.get(c))).join(' | ')} |`);
const sum = (r: Row, key: keyof CommandCost): number =>
  [...r.commandsPerCall.values()].reduce((a, b) => a + b[key], 0);
console.log(`| all | ${rows.map((r) => fmt(sum(r, 'calls'))).join(' | ')} |`);
