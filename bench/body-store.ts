// `npm run bench:body-store`: what one trip of a body kept apart through Redis costs the process that makes it
// (`storeBody`, `readStoredBody`), against the floor measured in the same run: one SET and one GET of the same
// bytes as a single string. A sync call to echo makes four such trips (the gateway stores the request and reads
// the result, the watchdog reads the request and stores the result), so this is the part of issue 14's 1 MiB
// target that Redis alone takes.
import { Redis } from 'ioredis';
import { readStoredBody, storeBody } from '@spool/node';
import { startRedisServer } from '../test/support/redis-server.js';
import { fmt } from './stack.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const SIZES = [
  { label: '64 KiB', bytes: 64 * KiB, rounds: 2000 },
  { label: '1 MiB', bytes: MiB, rounds: 400 },
  { label: '8 MiB', bytes: 8 * MiB, rounds: 50 },
];
const TTL_MS = 60_000;

interface Cost {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** Wall and CPU time (this process: user + system) per run of `op`, after a warm-up of a tenth of the rounds. */
async function cost(rounds: number, op: () => Promise<unknown>): Promise<Cost> {
  for (let i = 0; i < Math.ceil(rounds / 10); i++) await op();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await op();
  const used = process.cpuUsage(cpu);
  return { wallMs: (performance.now() - started) / rounds, cpuMs: (used.user + used.system) / 1000 / rounds };
}

const wallAndCpu = (c: Cost): string => `${fmt(c.wallMs)} / ${fmt(c.cpuMs)}`;
const againstFloor = (c: Cost, floor: Cost): string => `${wallAndCpu(c)} (${fmt(c.wallMs / floor.wallMs)}x)`;

async function main(): Promise<void> {
  const server = await startRedisServer();
  const redis = new Redis(server.url);
  const rows: string[] = [];
  try {
    for (const { label, bytes, rounds } of SIZES) {
      const body = Buffer.alloc(bytes, 7);
      const set = await cost(rounds, () => redis.set('floor', body, 'PX', TTL_MS));
      const get = await cost(rounds, () => redis.getBuffer('floor'));
      const store = await cost(rounds, () => storeBody(redis, 'kept-apart', body, TTL_MS));
      const read = await cost(rounds, async () => {
        const read = await readStoredBody(redis, 'kept-apart');
        if (read?.length !== bytes) throw new Error(`read ${read?.length ?? 'nothing'} of ${bytes} bytes`);
      });
      rows.push(
        `| ${label} | ${wallAndCpu(set)} | ${wallAndCpu(get)} | ${againstFloor(store, set)} | ${againstFloor(read, get)} | ${fmt(2 * (store.wallMs + read.wallMs), 1)} |`,
      );
    }
  } finally {
    redis.disconnect();
    await server.stop();
  }
  console.log(`
One trip of a body through Redis, ms per operation: wall / CPU of this process (ratio of wall to the floor).

| body | floor: SET | floor: GET | storeBody | readStoredBody | four trips of a sync call, wall ms |
|---|---|---|---|---|---|
${rows.join('\n')}`);
}

await main();
