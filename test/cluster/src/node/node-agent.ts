// Registers the Node, keeps it Ready with status heartbeats, and renews its Lease in kube-node-lease.
import { arch } from 'node:os';
import type { ApiClient } from './api-client.js';
import { isConflict, isNotFound } from './api-client.js';

export interface NodeAgentOptions {
  readonly nodeName: string;
  readonly kubeletVersion: string;
  readonly kubeletPort: number;
  readonly log: (message: string) => void;
}

// As the kubelet: the Lease every 10 s, the status at least every minute.
const leaseRenewMs = 10_000;
const statusHeartbeatMs = 30_000;
const leaseDurationSeconds = 40;

export class NodeAgent {
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly api: ApiClient,
    private readonly options: NodeAgentOptions,
  ) {}

  async start(): Promise<void> {
    await this.register();
    await this.reportStatus();
    await this.renewLease();
    this.timers.push(
      setInterval(() => void this.renewLease().catch((e: unknown) => this.warn('lease', e)), leaseRenewMs),
    );
    this.timers.push(
      setInterval(
        () => void this.reportStatus().catch((e: unknown) => this.warn('status', e)),
        statusHeartbeatMs,
      ),
    );
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  private warn(what: string, error: unknown): void {
    this.options.log(`node ${what} update failed: ${String(error)}`);
  }

  private async register(): Promise<void> {
    const name = this.options.nodeName;
    try {
      await this.api.request('POST', '/api/v1/nodes', {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name,
          labels: {
            'kubernetes.io/hostname': name,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': arch() === 'x64' ? 'amd64' : arch(),
            'spool.dev/process-node': 'true',
          },
        },
        spec: {},
      });
    } catch (error) {
      if (!isConflict(error)) throw new Error(`registering node ${name}`, { cause: error });
    }
  }

  private async reportStatus(): Promise<void> {
    const now = new Date().toISOString();
    const condition = (type: string, status: string, reason: string, message: string): object => ({
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: now,
      lastTransitionTime: this.startedAt,
    });
    // Large capacity: the node enforces no resource limits, so the scheduler should not refuse pods for them.
    const capacity = { cpu: '64', memory: '256Gi', pods: '1000', 'ephemeral-storage': '1Ti' };
    await this.api.request(
      'PATCH',
      `/api/v1/nodes/${this.options.nodeName}/status`,
      {
        status: {
          capacity,
          allocatable: capacity,
          conditions: [
            condition('Ready', 'True', 'KubeletReady', 'process node is running pods as local processes'),
            condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'no memory pressure'),
            condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'no disk pressure'),
            condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'no PID pressure'),
          ],
          addresses: [
            { type: 'InternalIP', address: '127.0.0.1' },
            { type: 'Hostname', address: this.options.nodeName },
          ],
          daemonEndpoints: { kubeletEndpoint: { Port: this.options.kubeletPort } },
          nodeInfo: {
            machineID: '',
            systemUUID: '',
            bootID: '',
            kernelVersion: '',
            osImage: 'spool process node',
            containerRuntimeVersion: 'process://1',
            kubeletVersion: this.options.kubeletVersion,
            kubeProxyVersion: '',
            operatingSystem: 'linux',
            architecture: arch() === 'x64' ? 'amd64' : arch(),
          },
        },
      },
      'application/strategic-merge-patch+json',
    );
  }

  private readonly startedAt = new Date().toISOString();

  private async renewLease(): Promise<void> {
    const name = this.options.nodeName;
    const path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`;
    const spec = { holderIdentity: name, leaseDurationSeconds, renewTime: microTime(new Date()) };
    try {
      await this.api.request('PATCH', path, { spec }, 'application/merge-patch+json');
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const node = await this.api.request<{ metadata: { uid: string } }>('GET', `/api/v1/nodes/${name}`);
      await this.api.request('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name,
          namespace: 'kube-node-lease',
          ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid }],
        },
        spec,
      });
    }
  }
}

/** Leases take MicroTime: RFC 3339 with six fractional digits. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
