// The local Spool a benchmark drives: controller (process runtime) and gateway as real processes on a Redis the
// benchmark started, serving `echo` Functions written to a folder of their own.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { freePort } from '../test/support/redis-server.js';
import { descendantsOf } from '@spool/test-cluster';
import { envOf, isWatchdog, pidsWithEnv, startService, stopService } from './processes.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const node = process.execPath;
const MiB = 1024 * 1024;
export const ADMIN_TOKEN = 'bench';

/** `SPOOL_BENCH_PROFILE_DIR=DIR`: gateway and watchdog write V8 CPU profiles there (`npm run bench:profile` sums them). */
const profileDir = process.env['SPOOL_BENCH_PROFILE_DIR'];
const profiled = (script: string): string[] =>
  profileDir === undefined ? [script] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, script];

/** A benchmark's `echo` Function: `scale` as YAML flow and `concurrency`, each left to Spool's default if unset. */
export interface EchoShape {
  readonly scale?: string;
  readonly concurrency?: number;
}

/** The `echo` example as a Function, taking bodies up to 16 MiB both ways. */
const echoFunction = (name: string, { scale, concurrency }: EchoShape): string =>
  [
    'apiVersion: spool.dev/v1alpha1',
    'kind: Function',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  image: bench',
    '  command: [node, server.mjs]',
    `  workingDir: ${join(root, 'examples/echo')}`,
    '  timeoutSeconds: 10',
    `  maxBodyBytes: ${16 * MiB}`,
    `  maxResponseBytes: ${16 * MiB}`,
    ...(concurrency === undefined ? [] : [`  concurrency: ${concurrency}`]),
    ...(scale === undefined ? [] : [`  scale: ${scale}`]),
    '',
  ].join('\n');

/** One warm replica of each, serving up to 128 calls at once: the tuned shape most tables measure. */
export const WARM: EchoShape = { scale: '{ min: 1, max: 1 }', concurrency: 128 };

export async function waitUntil(
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

export const describeFn = async (
  gateway: string,
  name: string,
): Promise<{ replicas: number; availableReplicas: number }> =>
  (
    await fetch(`${gateway}/system/function/${name}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  ).json() as Promise<{ replicas: number; availableReplicas: number }>;

/** One warm replica's processes: its watchdog and the user server under it, and the server's own URL. */
export interface Replica {
  readonly watchdogPid: number;
  readonly userPid: number;
  readonly userUrl: string;
}

/** The replicas of `name` whose watchdog has its user server running. */
export function replicaProcesses(name: string): Replica[] {
  return pidsWithEnv([`SPOOL_FUNCTION_NAME=${name}`])
    .filter(isWatchdog)
    .flatMap((watchdogPid) => {
      const userPid = descendantsOf(watchdogPid)[0];
      const userPort = envOf(watchdogPid)['SPOOL_USER_PORT'];
      return userPid === undefined
        ? []
        : [{ watchdogPid, userPid, userUrl: `http://127.0.0.1:${userPort}/` }];
    });
}

export interface BenchSpool {
  readonly gateway: string;
  readonly gatewayPid: number;
  /** Waits until `name` has `replicas` available, then finds their processes. */
  replicasOf(name: string, replicas?: number): Promise<Replica[]>;
  stop(): Promise<void>;
}

export async function startSpool(
  redisUrl: string,
  functions: Readonly<Record<string, EchoShape>>,
): Promise<BenchSpool> {
  const fnDir = mkdtempSync(join(tmpdir(), 'spool-bench-fns-'));
  for (const [name, shape] of Object.entries(functions))
    writeFileSync(join(fnDir, `${name}.yaml`), echoFunction(name, shape));
  const gatewayPort = await freePort();
  const gateway = `http://127.0.0.1:${gatewayPort}`;
  const common = { SPOOL_REDIS_URL: redisUrl, SPOOL_FUNCTIONS_DIR: fnDir };
  const services: ChildProcess[] = [
    startService(node, [join(root, 'controller/dist/bundle.js')], {
      ...common,
      SPOOL_RUNTIME: 'process',
      SPOOL_STATE_DIR: mkdtempSync(join(tmpdir(), 'spool-bench-state-')),
      SPOOL_WATCHDOG_COMMAND: JSON.stringify([node, ...profiled(join(root, 'watchdog/dist/main.js'))]),
      SPOOL_METRICS_HOST: '127.0.0.1',
      SPOOL_METRICS_PORT: '0',
      SPOOL_SCALE_INTERVAL_MS: '1000',
    }),
  ];
  const gw = startService(node, profiled(join(root, 'gateway/dist/bundle.js')), {
    ...common,
    SPOOL_HOST: '127.0.0.1',
    SPOOL_PORT: String(gatewayPort),
    SPOOL_ADMIN_TOKEN: ADMIN_TOKEN,
  });
  services.unshift(gw);
  return {
    gateway,
    gatewayPid: gw.pid!,
    async replicasOf(name, replicas = 1) {
      let found: Replica[] = [];
      // Until the gateway reports them available and each watchdog has its user process (a replica may still be
      // starting or stopping in between).
      await waitUntil(`${replicas} replicas of ${name}`, async () => {
        const available = (await describeFn(gateway, name).catch(() => ({ availableReplicas: -1 })))
          .availableReplicas;
        found = replicaProcesses(name);
        return available === replicas && found.length === replicas;
      });
      return found;
    },
    // The gateway first, so no call is in flight when the controller stops the replicas.
    stop: async () => {
      for (const service of services) await stopService(service);
    },
  };
}

/** A figure for a table: `digits` decimals. */
export const fmt = (n: number, digits = 2): string => n.toFixed(digits);

/** Redis's `used_memory`, in bytes. */
export async function usedMemory(redis: Pick<Redis, 'info'>): Promise<number> {
  return Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1] ?? NaN);
}
