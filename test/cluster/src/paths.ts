// Where the test cluster keeps its runtime state (.cluster/) and finds its cached binaries.
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This workspace's folder: build.sh and the fixtures live here. */
export const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The repository the cluster serves: its `.cluster/` holds the state, its built services are images. */
export const repoRoot = resolve(workspaceRoot, '..', '..');
export const clusterDir = process.env['SPOOL_CLUSTER_DIR'] ?? join(repoRoot, '.cluster');

export const paths = {
  stateFile: join(clusterDir, 'state.json'),
  kubeconfig: join(clusterDir, 'kubeconfig'),
  pki: join(clusterDir, 'pki'),
  logs: join(clusterDir, 'logs'),
  pids: join(clusterDir, 'pids'),
  etcdData: join(clusterDir, 'etcd'),
  kubeconfigs: join(clusterDir, 'kubeconfigs'),
  /** One directory per pod: logs, token, hosts file, pid files of its processes. */
  pods: join(clusterDir, 'pods'),
  lock: join(clusterDir, 'up.lock'),
} as const;

export interface BinaryPaths {
  readonly kubernetesVersion: string;
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly kubeScheduler: string;
  readonly helm: string;
  readonly etcd: string;
}

/** Asks build.sh where its cache is, so the version pins live in one file. */
export function binaryPaths(): BinaryPaths {
  const printed = execFileSync('bash', [join(workspaceRoot, 'build.sh'), '--print'], {
    encoding: 'utf8',
  });
  const vars = new Map(
    printed
      .trim()
      .split('\n')
      .map((line) => line.split('=', 2) as [string, string]),
  );
  const k8sBin = required(vars, 'K8S_BIN');
  return {
    kubernetesVersion: required(vars, 'K8S_VERSION'),
    kubeApiserver: join(k8sBin, 'kube-apiserver'),
    kubeControllerManager: join(k8sBin, 'kube-controller-manager'),
    kubeScheduler: join(k8sBin, 'kube-scheduler'),
    helm: join(required(vars, 'HELM_BIN'), 'helm'),
    etcd: '/usr/bin/etcd',
  };
}

function required(vars: Map<string, string>, key: string): string {
  const value = vars.get(key);
  if (value === undefined) throw new Error(`build.sh --print did not print ${key}`);
  return value;
}
