// The running cluster's addresses, persisted in .cluster/state.json so `down`, tests and the node can find it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { paths } from './paths.js';

export interface ClusterState {
  readonly kubernetesVersion: string;
  readonly apiserverPort: number;
  readonly etcdClientPort: number;
  readonly etcdPeerPort: number;
  readonly controllerManagerPort: number;
  readonly schedulerPort: number;
  /** The process node's kubelet endpoint (container logs), on 127.0.0.1. */
  readonly kubeletPort: number;
  /** This cluster's loopback ranges (network.ts); absent in a state written before there were slots: slot 0. */
  readonly networkSlot?: number;
  /** Pods get `<podPrefix>.x.y`. */
  readonly podPrefix?: string;
  /** Service ClusterIPs are loopback addresses, so the node's forwarders can listen on them directly. */
  readonly serviceCidr: string;
  /** The `kubernetes` Service's ClusterIP: the first address of serviceCidr. */
  readonly apiserverServiceIp: string;
  readonly nodeName: string;
  readonly startedAt: string;
}

export function readState(): ClusterState | undefined {
  if (!existsSync(paths.stateFile)) return undefined;
  return JSON.parse(readFileSync(paths.stateFile, 'utf8')) as ClusterState;
}

export function writeState(state: ClusterState): void {
  writeFileSync(paths.stateFile, JSON.stringify(state, null, 2) + '\n');
}

export function apiserverUrl(state: ClusterState): string {
  return `https://127.0.0.1:${state.apiserverPort}`;
}
