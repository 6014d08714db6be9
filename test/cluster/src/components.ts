// The command lines of etcd, the three control-plane components and the process node: pure builders.
import { join } from 'node:path';
import type { DaemonSpec } from './processes.js';
import type { BinaryPaths } from './paths.js';
import { clusterDir, paths, workspaceRoot } from './paths.js';
import { identities, pki } from './pki.js';
import type { ClusterState } from './state.js';

export const serviceAccountIssuer = 'https://kubernetes.default.svc.cluster.local';

export const componentKubeconfig = {
  controllerManager: join(paths.kubeconfigs, 'controller-manager.kubeconfig'),
  scheduler: join(paths.kubeconfigs, 'scheduler.kubeconfig'),
  processNode: join(paths.kubeconfigs, 'process-node.kubeconfig'),
} as const;

export function etcdSpec(bin: BinaryPaths, state: ClusterState): DaemonSpec {
  const client = `http://127.0.0.1:${state.etcdClientPort}`;
  const peer = `http://127.0.0.1:${state.etcdPeerPort}`;
  return {
    name: 'etcd',
    command: bin.etcd,
    args: [
      '--name=default',
      `--data-dir=${paths.etcdData}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=default=${peer}`,
      // Test data is thrown away at `down`; fsync only slows every write.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ],
  };
}

export function apiserverSpec(bin: BinaryPaths, state: ClusterState): DaemonSpec {
  return {
    name: 'kube-apiserver',
    command: bin.kubeApiserver,
    args: [
      `--etcd-servers=http://127.0.0.1:${state.etcdClientPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${state.apiserverPort}`,
      `--tls-cert-file=${pki.apiserverCert}`,
      `--tls-private-key-file=${pki.apiserverKey}`,
      `--client-ca-file=${pki.caCert}`,
      '--authorization-mode=Node,RBAC',
      '--enable-admission-plugins=NodeRestriction',
      `--service-account-issuer=${serviceAccountIssuer}`,
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      `--service-cluster-ip-range=${state.serviceCidr}`,
      // The API refuses loopback addresses in Endpoints (ValidateEndpointIP), and the
      // apiserver's only address is 127.0.0.1; the process node routes the
      // `kubernetes` Service to it instead.
      '--endpoint-reconciler-type=none',
      // `kubectl logs` goes through the API server to the node's kubelet endpoint on 127.0.0.1.
      '--kubelet-preferred-address-types=InternalIP',
      `--kubelet-certificate-authority=${pki.caCert}`,
      `--kubelet-client-certificate=${pki.clientCert(identities.apiserverKubeletClient)}`,
      `--kubelet-client-key=${pki.clientKey(identities.apiserverKubeletClient)}`,
      // Trusting the CA for front-proxy headers keeps the components from logging a missing bundle.
      `--requestheader-client-ca-file=${pki.caCert}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--cert-dir=${join(clusterDir, 'certs', 'kube-apiserver')}`,
      '--allow-privileged=true',
      '--profiling=false',
      '--v=1',
    ],
  };
}

/** Every controller except the endpoint ones, which cannot publish loopback pod IPs (see README.md, Services). */
export const controllers = [
  '*',
  '-endpoints-controller',
  '-endpointslice-controller',
  '-endpointslice-mirroring-controller',
] as const;

export function controllerManagerSpec(bin: BinaryPaths, state: ClusterState): DaemonSpec {
  const kubeconfig = componentKubeconfig.controllerManager;
  return {
    name: 'kube-controller-manager',
    command: bin.kubeControllerManager,
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${state.controllerManagerPort}`,
      '--leader-elect=false',
      `--cert-dir=${join(clusterDir, 'certs', 'kube-controller-manager')}`,
      `--controllers=${controllers.join(',')}`,
      // Each controller talks to the API as its own ServiceAccount, as in a real cluster, so RBAC applies to them too.
      '--use-service-account-credentials=true',
      // The default 20 requests/s makes a thousand new Deployments queue for a minute behind the client's
      // rate limit; production clusters raise it the same way.
      '--kube-api-qps=200',
      '--kube-api-burst=400',
      `--root-ca-file=${pki.caCert}`,
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--cluster-signing-cert-file=${pki.caCert}`,
      `--cluster-signing-key-file=${pki.caKey}`,
      `--service-cluster-ip-range=${state.serviceCidr}`,
      '--v=1',
    ],
  };
}

export function schedulerSpec(bin: BinaryPaths, state: ClusterState): DaemonSpec {
  const kubeconfig = componentKubeconfig.scheduler;
  return {
    name: 'kube-scheduler',
    command: bin.kubeScheduler,
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${state.schedulerPort}`,
      `--cert-dir=${join(clusterDir, 'certs', 'kube-scheduler')}`,
      '--leader-elect=false',
      '--v=1',
    ],
  };
}

export function processNodeSpec(): DaemonSpec {
  return {
    name: 'process-node',
    command: process.execPath,
    args: ['--import', 'tsx', join(workspaceRoot, 'src/node/main.ts')],
    cwd: workspaceRoot,
    env: { SPOOL_CLUSTER_DIR: clusterDir },
  };
}
