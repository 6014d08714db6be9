// `up` and `down`: start etcd, kube-apiserver, kube-controller-manager, kube-scheduler and the process node on loopback; stop them by pid.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  apiserverSpec,
  componentKubeconfig,
  controllerManagerSpec,
  etcdSpec,
  processNodeSpec,
  schedulerSpec,
} from './components.js';
import { getUrl, waitForOk, type TlsFiles } from './health.js';
import { writeKubeconfig } from './kubeconfig.js';
import { binaryPaths, clusterDir, paths, workspaceRoot } from './paths.js';
import { claimNetwork, releaseNetwork } from './network.js';
import { ensurePki, identities, pki, type ClientIdentity } from './pki.js';
import { freeLoopbackPort } from './ports.js';
import {
  isAlive,
  isDaemonRunning,
  logFile,
  pidFilesBelow,
  readPid,
  startDaemon,
  stopDaemon,
  stopProcessGroup,
  type DaemonSpec,
} from './processes.js';
import { apiserverUrl, readState, writeState, type ClusterState } from './state.js';

export const nodeName = 'spool-process-node';
const startTimeoutMs = 120_000;

const adminTls: TlsFiles = {
  ca: pki.caCert,
  cert: pki.clientCert(identities.admin),
  key: pki.clientKey(identities.admin),
};

/** Stop order: the node first so it restarts nothing, the store last. */
const daemonsInStopOrder = [
  'process-node',
  'kube-scheduler',
  'kube-controller-manager',
  'kube-apiserver',
  'etcd',
];

export async function isClusterUp(): Promise<boolean> {
  const state = readState();
  if (!state || !daemonsInStopOrder.every(isDaemonRunning)) return false;
  try {
    return (await getUrl(`${apiserverUrl(state)}/readyz`, adminTls, 2_000)).status === 200;
  } catch {
    return false;
  }
}

export interface UpResult {
  readonly state: ClusterState;
  /** True when a cluster was already running and `up` did nothing. */
  readonly alreadyRunning: boolean;
}

export async function up(): Promise<UpResult> {
  mkdirSync(clusterDir, { recursive: true });
  const lock = takeLock();
  try {
    const running = readState();
    if (running && (await isClusterUp())) {
      log(`already up (kube-apiserver at ${apiserverUrl(running)}); nothing to do`);
      return { state: running, alreadyRunning: true };
    }
    await down({ quiet: true });
    try {
      return { state: await startCluster(), alreadyRunning: false };
    } catch (error) {
      // Leave nothing half-started behind; the logs in .cluster/logs stay for reading.
      await down({ quiet: true });
      throw error;
    }
  } finally {
    closeSync(lock.fd);
    rmSync(paths.lock, { force: true });
  }
}

async function startCluster(): Promise<ClusterState> {
  const startedMs = Date.now();
  rmSync(paths.logs, { recursive: true, force: true }); // each cluster's logs start empty
  execFileSync('bash', [join(workspaceRoot, 'build.sh')], { stdio: 'inherit' });
  const bin = binaryPaths();
  const network = await claimNetwork(clusterDir);
  const state: ClusterState = {
    kubernetesVersion: bin.kubernetesVersion,
    apiserverPort: await freeLoopbackPort(),
    etcdClientPort: await freeLoopbackPort(),
    etcdPeerPort: await freeLoopbackPort(),
    controllerManagerPort: await freeLoopbackPort(),
    schedulerPort: await freeLoopbackPort(),
    kubeletPort: await freeLoopbackPort(),
    networkSlot: network.slot,
    podPrefix: network.podPrefix,
    serviceCidr: network.serviceCidr,
    apiserverServiceIp: network.apiserverServiceIp,
    nodeName,
    startedAt: new Date().toISOString(),
  };
  const processNode = identities.processNode(nodeName);
  ensurePki({
    clients: [
      identities.admin,
      identities.controllerManager,
      identities.scheduler,
      identities.apiserverKubeletClient,
      processNode,
    ],
  });
  writeComponentKubeconfig(paths.kubeconfig, state, identities.admin);
  writeComponentKubeconfig(componentKubeconfig.controllerManager, state, identities.controllerManager);
  writeComponentKubeconfig(componentKubeconfig.scheduler, state, identities.scheduler);
  writeComponentKubeconfig(componentKubeconfig.processNode, state, processNode);
  writeState(state);

  await startAndWait(etcdSpec(bin, state), `http://127.0.0.1:${state.etcdClientPort}/health`, undefined);
  await startAndWait(apiserverSpec(bin, state), `${apiserverUrl(state)}/readyz`, adminTls);
  // Their serving certificates are self-signed in memory; /healthz only tells that they run.
  const selfSigned: TlsFiles = { ca: pki.caCert, insecure: true };
  await Promise.all([
    startAndWait(
      controllerManagerSpec(bin, state),
      `https://127.0.0.1:${state.controllerManagerPort}/healthz`,
      selfSigned,
    ),
    startAndWait(schedulerSpec(bin, state), `https://127.0.0.1:${state.schedulerPort}/healthz`, selfSigned),
  ]);
  startDaemon(processNodeSpec());
  await waitForNodeReady(state);
  // Pods are refused until the serviceaccount controller has made the namespace's `default` account.
  await waitForOk(`${apiserverUrl(state)}/api/v1/namespaces/default/serviceaccounts/default`, adminTls, {
    what: 'the default ServiceAccount',
    timeoutMs: startTimeoutMs,
    logHint: logFile('kube-controller-manager'),
  });
  log(
    `up in ${((Date.now() - startedMs) / 1000).toFixed(1)} s, pods ${state.podPrefix}.0.0/16, Services ${state.serviceCidr}: KUBECONFIG=${paths.kubeconfig}`,
  );
  return state;
}

function writeComponentKubeconfig(file: string, state: ClusterState, identity: ClientIdentity): void {
  writeKubeconfig(file, {
    server: apiserverUrl(state),
    caFile: pki.caCert,
    user: identity.commonName,
    credentials: { clientCertificate: pki.clientCert(identity), clientKey: pki.clientKey(identity) },
  });
}

async function startAndWait(spec: DaemonSpec, healthUrl: string, tls: TlsFiles | undefined): Promise<void> {
  const pid = startDaemon(spec);
  await waitForOk(healthUrl, tls, {
    what: spec.name,
    timeoutMs: startTimeoutMs,
    stillRunning: () => readPid(`${paths.pids}/${spec.name}.pid`) === pid && isDaemonRunning(spec.name),
    logHint: logFile(spec.name),
  });
}

async function waitForNodeReady(state: ClusterState): Promise<void> {
  const url = `${apiserverUrl(state)}/api/v1/nodes/${nodeName}`;
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if (!isDaemonRunning('process-node'))
      throw new Error(`process node exited while starting; see ${logFile('process-node')}`);
    const answer = await getUrl(url, adminTls).catch(() => undefined);
    if (answer?.status === 200 && isNodeReady(answer.body)) return;
    await sleep(200);
  }
  throw new Error(`node ${nodeName} not Ready after ${startTimeoutMs} ms; see ${logFile('process-node')}`);
}

function isNodeReady(nodeJson: string): boolean {
  const node = JSON.parse(nodeJson) as { status?: { conditions?: { type: string; status: string }[] } };
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export interface DownOptions {
  readonly quiet?: boolean;
}

/** Stops everything `up` started, by pid: the daemons and every pod process the node recorded. */
export async function down(options: DownOptions = {}): Promise<void> {
  const state = readState();
  await stopDaemon('process-node', 10_000);
  // Pod processes outlive a crashed node; their pid files are how we find them.
  await Promise.all(
    pidFilesBelow(paths.pods).map(async (file) => {
      const pid = readPid(file);
      if (pid !== undefined) await stopProcessGroup(pid, 2_000);
      rmSync(file, { force: true });
    }),
  );
  for (const name of daemonsInStopOrder.slice(1)) await stopDaemon(name, 10_000);
  rmSync(paths.etcdData, { recursive: true, force: true });
  rmSync(paths.pods, { recursive: true, force: true });
  rmSync(paths.stateFile, { force: true });
  if (state) releaseNetwork(clusterDir, state.networkSlot ?? 0);
  if (!options.quiet) log('down: every process stopped');
}

/** One `up` at a time; a lock left by a process that died is taken over. */
function takeLock(): { fd: number } {
  try {
    const fd = openSync(paths.lock, 'wx');
    writeFileSync(fd, `${process.pid}\n`);
    return { fd };
  } catch (cause) {
    const holder = readPid(paths.lock);
    if (holder !== undefined && isAlive(holder)) {
      throw new Error(`another \`cluster up\` (pid ${holder}) is running; wait for it`, { cause });
    }
    rmSync(paths.lock, { force: true });
    return takeLock();
  }
}

function log(message: string): void {
  process.stderr.write(`[cluster] ${message}\n`);
}
