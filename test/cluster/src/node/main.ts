// The process node: registers a Node and runs every pod scheduled to it as local processes (the test cluster's container runtime).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { createApiClient, isNotFound, type ApiClient } from './api-client.js';
import type { Server } from 'node:https';
import { startKubeletServer } from './kubelet-server.js';
import { NodeAgent } from './node-agent.js';
import { PodAddressPool } from './pod-addresses.js';
import { loadImageTable } from './host-images.js';
import type { ImageTable } from './images.js';
import { PodRunner } from './pod-runner.js';
import { desiredPodStatus } from './pod-status.js';
import { Reflector } from './reflector.js';
import { ServiceProxy } from './service-proxy.js';
import { paths } from '../paths.js';
import { identities, pki } from '../pki.js';
import { apiserverUrl, readState, type ClusterState } from '../state.js';

type Conditions = Parameters<typeof desiredPodStatus>[1];

interface PodSlot {
  readonly runner: PodRunner;
  readonly podDir: string;
  readonly podIp: string;
  terminating: boolean;
  lastConditions: Conditions;
  /** Status writes for one pod go out one at a time, in order. */
  statusChain: Promise<void>;
  statusPending: boolean;
}

function isTerminal(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} ${message}\n`);
}

class ProcessNode {
  private readonly slots = new Map<string, PodSlot>();
  private readonly addresses: PodAddressPool;
  private readonly agent: NodeAgent;
  private readonly proxy: ServiceProxy;
  private readonly pods: Reflector<V1Pod>;
  private readonly services: Reflector<V1Service>;
  private kubelet: Server | undefined;

  constructor(
    private readonly api: ApiClient,
    private readonly state: ClusterState,
    private readonly images: ImageTable,
  ) {
    this.addresses = new PodAddressPool(state.podPrefix ?? '127.1');
    this.agent = new NodeAgent(api, {
      nodeName: state.nodeName,
      kubeletVersion: state.kubernetesVersion,
      kubeletPort: state.kubeletPort,
      log,
    });
    this.proxy = new ServiceProxy(
      new Map([['default/kubernetes', [{ ip: '127.0.0.1', port: state.apiserverPort }]]]),
      log,
    );
    this.pods = new Reflector<V1Pod>(api, {
      path: '/api/v1/pods',
      // As the kubelet lists: the Node authorizer allows a node to see only its own pods.
      query: `fieldSelector=${encodeURIComponent(`spec.nodeName=${state.nodeName}`)}`,
      onChange: (_all, pod, type) => this.onPod(pod, type),
      onError: (error) => log(`pod watch: ${String(error)}`),
    });
    this.services = new Reflector<V1Service>(api, {
      path: '/api/v1/services',
      onChange: () => this.onServices(),
      onError: (error) => log(`service watch: ${String(error)}`),
    });
  }

  async start(): Promise<void> {
    this.kubelet = startKubeletServer({
      port: this.state.kubeletPort,
      caFile: pki.caCert,
      certFile: pki.nodeServingCert,
      keyFile: pki.nodeServingKey,
      logFileOf: (namespace, pod, container) => {
        const slot = [...this.slots.values()].find((s) => s.runner.key === `${namespace}/${pod}`);
        return slot ? join(slot.podDir, `${container}.log`) : undefined;
      },
    });
    await this.services.start();
    await this.agent.start();
    await this.pods.start();
    log(`node ${this.state.nodeName} ready`);
  }

  async stop(graceMs: number): Promise<void> {
    this.pods.stop();
    this.services.stop();
    this.agent.stop();
    this.proxy.close();
    this.kubelet?.close();
    await Promise.all([...this.slots.values()].map((slot) => slot.runner.terminate(graceMs)));
  }

  private onServices(): void {
    this.proxy.sync(this.services.objects.values(), this.pods.objects.values());
    for (const slot of this.slots.values()) slot.runner.updateHosts();
  }

  private onPod(pod: V1Pod, type: 'ADDED' | 'MODIFIED' | 'DELETED'): void {
    this.proxy.sync(this.services.objects.values(), this.pods.objects.values());
    const metadata = pod.metadata ?? {};
    const uid = metadata.uid ?? '';
    const slot = this.slots.get(uid);
    if (type === 'DELETED') {
      if (slot) void this.finish(uid, slot, 0);
    } else if (metadata.deletionTimestamp) {
      this.onDeletionRequested(pod, slot);
    } else if (!slot && !isTerminal(pod)) {
      this.admit(pod);
    }
  }

  private onDeletionRequested(pod: V1Pod, slot: PodSlot | undefined): void {
    if (!slot) {
      void this.confirmDeletion(pod);
      return;
    }
    if (slot.terminating) return;
    const graceSeconds =
      pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    void this.finish(pod.metadata?.uid ?? '', slot, graceSeconds * 1_000, pod);
  }

  private admit(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    const podIp = this.addresses.allocate();
    const podDir = join(paths.pods, `${pod.metadata?.namespace ?? ''}_${pod.metadata?.name ?? ''}_${uid}`);
    mkdirSync(podDir, { recursive: true });
    const slot: PodSlot = {
      podIp,
      podDir,
      terminating: false,
      lastConditions: [],
      statusChain: Promise.resolve(),
      statusPending: false,
      runner: new PodRunner(pod, {
        api: this.api,
        images: this.images,
        podDir,
        podIp,
        hostIp: '127.0.0.1',
        caFile: pki.caCert,
        apiserverInClusterUrl: `https://${this.state.apiserverServiceIp}:443`,
        services: () => [...this.services.objects.values()],
        readSecretData: (ns, name) => this.readData(`/api/v1/namespaces/${ns}/secrets/${name}`, true),
        readConfigMapData: (ns, name) => this.readData(`/api/v1/namespaces/${ns}/configmaps/${name}`, false),
        onChange: () => this.writeStatus(pod, slot),
      }),
    };
    this.slots.set(uid, slot);
    log(`pod ${slot.runner.key} admitted at ${podIp}`);
    void slot.runner.run();
  }

  /** Coalesces bursts of changes into one write; merge patch, because the node owns every list it sends. */
  private writeStatus(pod: V1Pod, slot: PodSlot): void {
    if (slot.statusPending) return;
    slot.statusPending = true;
    slot.statusChain = slot.statusChain.then(async () => {
      slot.statusPending = false;
      const body = desiredPodStatus(slot.runner.record, slot.lastConditions, new Date().toISOString()) as {
        status: { conditions: Conditions };
      };
      slot.lastConditions = body.status.conditions;
      const path = `/api/v1/namespaces/${pod.metadata?.namespace ?? ''}/pods/${pod.metadata?.name ?? ''}/status`;
      await this.api.request('PATCH', path, body, 'application/merge-patch+json').catch((error: unknown) => {
        if (!isNotFound(error)) log(`status of ${slot.runner.key}: ${String(error)}`);
      });
    });
  }

  /** Stops the pod's processes, then removes the pod object (grace 0, as the kubelet does once its containers are gone). */
  private async finish(uid: string, slot: PodSlot, graceMs: number, pod?: V1Pod): Promise<void> {
    slot.terminating = true;
    log(`pod ${slot.runner.key} stopping (grace ${graceMs} ms)`);
    await slot.runner.terminate(graceMs);
    await slot.statusChain;
    this.slots.delete(uid);
    this.addresses.release(slot.podIp);
    if (pod) await this.confirmDeletion(pod);
    log(`pod ${slot.runner.key} stopped`);
  }

  private async confirmDeletion(pod: V1Pod): Promise<void> {
    const path = `/api/v1/namespaces/${pod.metadata?.namespace ?? ''}/pods/${pod.metadata?.name ?? ''}`;
    const body = {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      gracePeriodSeconds: 0,
      preconditions: { uid: pod.metadata?.uid },
    };
    await this.api.request('DELETE', path, body).catch((error: unknown) => {
      if (!isNotFound(error)) log(`deleting ${path}: ${String(error)}`);
    });
  }

  private async readData(path: string, base64: boolean): Promise<Record<string, string> | undefined> {
    try {
      const object = await this.api.request<{ data?: Record<string, string> }>('GET', path);
      const data = object.data ?? {};
      if (!base64) return data;
      return Object.fromEntries(
        Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
      );
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

async function main(): Promise<void> {
  const state = readState();
  if (!state)
    throw new Error(
      `no cluster state at ${paths.stateFile}; start the node through \`npm run cluster -- up\``,
    );
  const identity = identities.processNode(state.nodeName);
  const api = createApiClient({
    server: apiserverUrl(state),
    caFile: pki.caCert,
    certFile: pki.clientCert(identity),
    keyFile: pki.clientKey(identity),
  });
  const images = await loadImageTable();
  log(`images: ${Object.keys(images).join(', ')}`);
  const node = new ProcessNode(api, state, images);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    log('stopping: terminating every pod');
    node.stop(2_000).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await node.start();
}

main().catch((error: unknown) => {
  log(`process node failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
