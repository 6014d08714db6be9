// `npm run bench:controller`: the Kubernetes controller on the real test control plane. Creates 1,000
// Functions and measures the time until every one is reconciled (status observed), the API requests the
// controller caused, and its memory; then the time from a call for a zero-replica function to the scale
// patch, and to the first response.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi, Watch, type V1Deployment } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { API_GROUP, API_VERSION, FUNCTION_PLURAL, channels, type FunctionResource } from '@spool/api';
import { cpuSeconds, pidsNamed } from './processes.js';
import { waitUntil } from './stack.js';
import { clusterClients, kubeConfig, uniqueNamespace } from '../test/support/cluster.js';
import { repoRoot } from '../test/support/local-functions.js';
import { sharedRedisTarget, startProductRedis, type ProductRedis } from '../test/support/redis-auth.js';
import { startRedisServer } from '../test/support/redis-server.js';
import {
  controllerEnv,
  installSpoolResources,
  serviceAccountKubeConfig,
  startKubeGateway,
  writeKubeConfig,
} from '../test/support/spool-cluster.js';

const CONTROLLER_LOG = join(tmpdir(), 'spool-bench-controller.log');
const REPORT_DIR = mkdtempSync(join(tmpdir(), 'spool-bench-report-'));
const COUNT = Number(process.env['SPOOL_BENCH_FUNCTIONS'] ?? 1000);
/** Extra Node.js flags for the controller, to compare V8 settings: `SPOOL_BENCH_CONTROLLER_FLAGS='--optimize-for-size'`. */
const CONTROLLER_FLAGS = (process.env['SPOOL_BENCH_CONTROLLER_FLAGS'] ?? '').split(' ').filter(Boolean);
const WAKE_TRIALS = 10;
const CORES = availableParallelism();
const FIRST_RESPONSE_TRIALS = 5;
const fnApi = { group: API_GROUP, version: API_VERSION, plural: FUNCTION_PLURAL };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

type RequestCounts = Record<
  | 'deploymentCreates'
  | 'deploymentApplies'
  | 'scalePatches'
  | 'statusWrites'
  | 'functionReads'
  | 'secretReads'
  | 'secretWrites',
  number
>;

/** Each Function's Redis password (`fn-NAME-redis`): read once, created once. */
/** The processes that share the machine's cores while the controller reconciles, by `/proc/PID/comm`. */
const CONTROL_PLANE = ['kube-apiserver', 'etcd', 'kube-controller'] as const;

/** CPU seconds each process has used so far: the controller and the control plane's processes. */
function cpuByProcess(controllerPid: number): Record<string, number> {
  const used: Record<string, number> = { controller: cpuSeconds(controllerPid) };
  for (const comm of CONTROL_PLANE)
    used[comm] = pidsNamed(comm).reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  return used;
}

const secretKindOf = (line: string): keyof RequestCounts | undefined =>
  line.includes('verb="GET"') ? 'secretReads' : /verb="(POST|PUT)"/.test(line) ? 'secretWrites' : undefined;

/** Status writes, and the controller's cluster-wide informer (the bench itself lists by namespace). */
function functionKindOf(line: string): keyof RequestCounts | undefined {
  if (line.includes('subresource="status"')) return 'statusWrites';
  return line.includes('scope="cluster"') ? 'functionReads' : undefined;
}

function deploymentKindOf(line: string): keyof RequestCounts | undefined {
  if (line.includes('subresource="scale"')) return line.includes('verb="PATCH"') ? 'scalePatches' : undefined;
  if (line.includes('verb="POST"')) return 'deploymentCreates';
  return /verb="(PATCH|APPLY)"/.test(line) ? 'deploymentApplies' : undefined;
}

/** Which of the controller's requests a line of apiserver_request_total counts; the bench's own are left out. */
function kindOf(line: string): keyof RequestCounts | undefined {
  if (line.includes('resource="secrets"')) return secretKindOf(line);
  if (line.includes('resource="functions"')) return functionKindOf(line);
  return line.includes('resource="deployments"') ? deploymentKindOf(line) : undefined;
}

/** Requests the API server counted that only Spool's controller makes here, by kind. */
function controllerRequests(): RequestCounts {
  const raw = spawnSync('kubectl', ['get', '--raw', '/metrics'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  }).stdout;
  const counts: RequestCounts = {
    deploymentCreates: 0,
    deploymentApplies: 0,
    scalePatches: 0,
    statusWrites: 0,
    functionReads: 0,
    secretReads: 0,
    secretWrites: 0,
  };
  for (const line of raw.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const kind = kindOf(line);
    if (kind) counts[kind] += Number(line.split(' ').at(-1));
  }
  return counts;
}

const total = (c: RequestCounts): number => Object.values(c).reduce((a, b) => a + b, 0);
const minus = (a: RequestCounts, b: RequestCounts): RequestCounts =>
  Object.fromEntries(
    Object.entries(a).map(([k, v]) => [k, v - b[k as keyof RequestCounts]]),
  ) as RequestCounts;

/** The controller's V8 heap, from a diagnostic report it writes on SIGUSR2 (node --report-on-signal). */
async function heapMiB(pid: number): Promise<{ used: number; total: number }> {
  const before = new Set(readdirSync(REPORT_DIR));
  process.kill(pid, 'SIGUSR2');
  for (;;) {
    const file = readdirSync(REPORT_DIR).find((f) => !before.has(f) && f.endsWith('.json'));
    if (file) {
      try {
        const report = JSON.parse(readFileSync(join(REPORT_DIR, file), 'utf8')) as {
          javascriptHeap: { usedMemory: number; totalMemory: number };
        };
        return {
          used: report.javascriptHeap.usedMemory / 2 ** 20,
          total: report.javascriptHeap.totalMemory / 2 ** 20,
        };
      } catch {
        // still being written
      }
    }
    await sleep(100);
  }
}

function rssMiB(pid: number): { rss: number; peak: number } {
  const status = spawnSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' }).stdout;
  const kb = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/**
 * As the chart runs it: one Redis user and Secret per Function. SPOOL_BENCH_SHARED_REDIS=1: a plain redis-server
 * reached as it is (shared-credential mode), as the earlier figures were taken.
 */
async function benchRedis(): Promise<ProductRedis> {
  if (process.env['SPOOL_BENCH_SHARED_REDIS'] !== '1') return startProductRedis();
  const server = await startRedisServer();
  return { ...sharedRedisTarget(server.url), stop: () => server.stop() };
}

const redisUsers = (redis: ProductRedis): string =>
  redis.shared ? 'shared credential (SPOOL_BENCH_SHARED_REDIS=1)' : 'one per Function, as the chart runs it';

const fn = (name: string): FunctionResource => ({
  apiVersion: 'spool.dev/v1alpha1',
  kind: 'Function',
  metadata: { name },
  spec: { image: 'spool/example-echo:0.1.0', command: ['node', 'server.mjs'], scale: { idleSeconds: 60 } },
});

/**
 * Resolves once every Function in `namespace` has status.observedGeneration = 1, seen on a watch (started again
 * whenever the API server ends it). Polling with lists instead made the bench the API server's largest client: a
 * list of 10,000 Functions every 2.5 s.
 */
async function watchReconciled(namespace: string): Promise<{ done: Promise<void>; stop: () => void }> {
  const reconciled = new Set<string>();
  let stopped = false;
  let current: AbortController | undefined;
  let resolve = (): void => undefined;
  let reject = (_error: unknown): void => undefined;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const watch = async (): Promise<void> => {
    current = await new Watch(kubeConfig()).watch(
      `/apis/${API_GROUP}/${API_VERSION}/namespaces/${namespace}/${FUNCTION_PLURAL}`,
      {},
      (_type, f: FunctionResource) => {
        if (f.status?.observedGeneration === 1) reconciled.add(f.metadata.name ?? '');
        if (reconciled.size >= COUNT) resolve();
      },
      (error: unknown) => {
        if (stopped) return;
        if (error) reject(new Error('the Function watch failed', { cause: error }));
        else watch().catch(reject); // a fresh watch replays every Function as ADDED
      },
    );
  };
  await watch();
  done.catch(() => undefined); // awaited after the creates; a watch that fails during them is no unhandled rejection
  return {
    done,
    stop: () => {
      stopped = true;
      current?.abort();
    },
  };
}

/**
 * A run right after another shares the API server with the deletion of its Functions, Deployments and Secrets,
 * and its controller reconciles the dying ones too (twice the applies, Secret conflicts): wait them out.
 */
async function previousRunsDeleted(): Promise<void> {
  const { core } = clusterClients();
  for (let said = false; ; said = true) {
    const left = (await core.listNamespace()).items.filter((n) => n.metadata?.name?.startsWith('bench-'));
    if (left.length === 0) return;
    if (!said) console.log(`waiting for ${left.length} namespace(s) of an earlier run to be deleted`);
    await sleep(2000);
  }
}

/** Cold starts are measured on a settled cluster: Kubernetes' own controllers have caught up with every Deployment. */
async function kubernetesCaughtUp(namespace: string): Promise<void> {
  const { apps } = clusterClients();
  for (;;) {
    const list = await apps.listNamespacedDeployment({ namespace });
    const current = list.items.filter((d) => d.status?.observedGeneration === d.metadata?.generation);
    if (list.items.length >= COUNT && current.length === list.items.length) return;
    await sleep(500);
  }
}

async function main(): Promise<void> {
  spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/cluster/src/cli.ts'), 'up'], {
    stdio: 'inherit',
  });
  process.env['KUBECONFIG'] ??= join(repoRoot, '.cluster/kubeconfig');
  await installSpoolResources();
  await previousRunsDeleted();
  const ns = await uniqueNamespace('bench');
  const redis = await benchRedis();
  const objects = kubeConfig().makeApiClient(CustomObjectsApi);
  const kubeconfig = writeKubeConfig(await serviceAccountKubeConfig('spool-controller'));
  const controller = spawn(
    process.execPath,
    [
      '--report-on-signal',
      '--report-signal=SIGUSR2',
      `--report-directory=${REPORT_DIR}`,
      ...CONTROLLER_FLAGS,
      join(repoRoot, 'controller/dist/bundle.js'),
    ],
    {
      env: {
        ...process.env,
        ...controllerEnv(redis, `bench-${randomUUID().slice(0, 8)}`),
        KUBECONFIG: kubeconfig,
        POD_NAME: 'bench',
      },
      stdio: ['ignore', openSync(CONTROLLER_LOG, 'w'), 'inherit'],
    },
  );
  try {
    // Measured from the moment it has listed the Functions and holds the Lease, as its log says.
    await waitUntil('the controller to list the Functions and take the Lease', () => {
      const log = readFileSync(CONTROLLER_LOG, 'utf8');
      return log.includes('"msg":"controller-started"') && log.includes('"msg":"started-leading"');
    });
    const requestsBefore = controllerRequests();
    const idleHeap = await heapMiB(controller.pid!);
    const idleRss = rssMiB(controller.pid!).rss;
    const { done: allReconciled, stop: stopWatchingReconciled } = await watchReconciled(ns.name);
    const cpuBefore = cpuByProcess(controller.pid!);
    const started = performance.now();
    const names = Array.from({ length: COUNT }, (_, i) => `f${i}`);
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(
        names
          .slice(i, i + 50)
          .map((n) => objects.createNamespacedCustomObject({ ...fnApi, namespace: ns.name, body: fn(n) })),
      );
    }
    const createdMs = performance.now() - started;
    await allReconciled;
    stopWatchingReconciled();
    const allReconciledMs = performance.now() - started;
    const cpuAfter = cpuByProcess(controller.pid!);
    const cpuUsed = Object.entries(cpuAfter)
      .map(([name, after]) => `${name} ${(after - (cpuBefore[name] ?? 0)).toFixed(0)}`)
      .join(' / ');
    const byKind = minus(controllerRequests(), requestsBefore);
    const requests = total(byKind);
    const memory = rssMiB(controller.pid!);
    const heap = await heapMiB(controller.pid!);

    console.log(
      `reconciled ${COUNT} in ${(allReconciledMs / 1000).toFixed(1)} s; ${requests} requests ${JSON.stringify(byKind)}; RSS ${memory.rss.toFixed(0)} MiB, heap ${heap.used.toFixed(0)} MiB used of ${heap.total.toFixed(0)}`,
    );
    await kubernetesCaughtUp(ns.name);
    const gateway = await startKubeGateway(redis, [ns.name]);
    const firstResponseMs: number[] = [];
    for (let i = 0; i < FIRST_RESPONSE_TRIALS; i++) {
      const sent = performance.now();
      const res = await fetch(`${gateway.url}/function/f${COUNT - 1 - i}.${ns.name}`, {
        method: 'POST',
        body: 'hi',
      });
      if (res.status !== 200) throw new Error(`first call answered ${res.status}: ${await res.text()}`);
      firstResponseMs.push(performance.now() - sent);
    }
    const replicasAt = new Map<string, number>();
    const watch = await new Watch(kubeConfig()).watch(
      `/apis/apps/v1/namespaces/${ns.name}/deployments`,
      {},
      (_type, d: V1Deployment) => {
        const name = d.metadata?.name ?? '';
        if ((d.spec?.replicas ?? 0) > 0 && !replicasAt.has(name)) replicasAt.set(name, performance.now());
      },
      () => undefined,
    );
    await sleep(500);
    // The wake message follows the enqueue at once, so its arrival marks "job enqueued" on the controller's side.
    const wakeHeardAt = new Map<string, number>();
    const listener = new Redis(redis.operatorUrl);
    listener.on('message', (_c: string, key: string) =>
      wakeHeardAt.set(key.split('/')[1] ?? key, performance.now()),
    );
    await listener.subscribe(channels.wake);
    const wakeMs: number[] = [];
    const enqueuedToPatchMs: number[] = [];
    for (let i = 0; i < WAKE_TRIALS; i++) {
      const name = `f${i}`;
      const sent = performance.now();
      void fetch(`${gateway.url}/async-function/${name}.${ns.name}`, { method: 'POST', body: 'wake' });
      while (!replicasAt.has(`fn-${name}`)) await sleep(2);
      wakeMs.push(replicasAt.get(`fn-${name}`)! - sent);
      enqueuedToPatchMs.push(replicasAt.get(`fn-${name}`)! - (wakeHeardAt.get(name) ?? sent));
      // Let the woken pod start before the next trial, so each measures the controller, not a busy machine.
      await sleep(2000);
    }
    (watch as { abort(): void }).abort();
    listener.disconnect();
    await gateway.close();
    console.log(`
Controller on the test control plane (process node, ${CORES} cores shared by API server, etcd, controller and bench).

| measure | value |
|---|---|
| Functions created | ${COUNT} in ${(createdMs / 1000).toFixed(1)} s (50 at a time) |
| all reconciled (status.observedGeneration = 1) | ${(allReconciledMs / 1000).toFixed(1)} s after the first create |
| API requests by the controller (Function status and watch, Deployment creates and applies, scale patches) | ${requests} (${(requests / (allReconciledMs / 1000)).toFixed(0)}/s, ${(requests / COUNT).toFixed(1)} per Function) |
| of which per Function: Deployment creates / applies / status writes / Secret reads / Secret writes | ${(byKind.deploymentCreates / COUNT).toFixed(2)} / ${(byKind.deploymentApplies / COUNT).toFixed(2)} / ${(byKind.statusWrites / COUNT).toFixed(2)} / ${(byKind.secretReads / COUNT).toFixed(2)} / ${(byKind.secretWrites / COUNT).toFixed(2)} |
| CPU seconds used until all were reconciled (${CORES} cores: ${((CORES * allReconciledMs) / 1000).toFixed(0)} available) | ${cpuUsed} |
| Redis users | ${redisUsers(redis)} |
| controller memory before the first Function | ${idleRss.toFixed(0)} MiB RSS, V8 heap ${idleHeap.used.toFixed(0)} MiB used |
| controller memory after | ${memory.rss.toFixed(0)} MiB RSS (peak ${memory.peak.toFixed(0)} MiB), V8 heap ${heap.used.toFixed(0)} MiB used of ${heap.total.toFixed(0)} MiB |
| job enqueued at zero replicas → scale patch seen (${WAKE_TRIALS} trials) | p50 ${median(enqueuedToPatchMs).toFixed(0)} ms, p90 ${percentile(enqueuedToPatchMs, 0.9).toFixed(0)} ms |
| HTTP call at zero replicas → scale patch seen | p50 ${median(wakeMs).toFixed(0)} ms, p90 ${percentile(wakeMs, 0.9).toFixed(0)} ms |
| call at zero replicas → first response (${FIRST_RESPONSE_TRIALS} trials) | p50 ${median(firstResponseMs).toFixed(0)} ms, max ${Math.max(...firstResponseMs).toFixed(0)} ms |`);
  } finally {
    controller.kill('SIGTERM');
    await ns.cleanup();
    await redis.stop();
  }
}

await main();
process.exit(0);
