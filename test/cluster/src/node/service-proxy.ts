// The node's stand-in for kube-proxy: one TCP forwarder per Service port, listening on the Service's loopback ClusterIP.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { resolvePort } from './probes.js';

export interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

/**
 * The endpoints a Service port routes to: the same rule as the EndpointSlice
 * controller (selector matches, pod Ready, not being deleted). The node
 * computes them itself because the API refuses loopback addresses in
 * EndpointSlices.
 */
export function readyEndpoints(
  service: V1Service,
  servicePort: V1ServicePort,
  pods: Iterable<V1Pod>,
): Endpoint[] {
  const selector = service.spec?.selector ?? {};
  if (Object.keys(selector).length === 0) return [];
  const endpoints: Endpoint[] = [];
  for (const pod of pods) {
    if (!isServing(pod, service.metadata?.namespace, selector)) continue;
    const port = targetPortOf(servicePort, pod);
    if (port !== undefined) endpoints.push({ ip: pod.status?.podIP ?? '', port });
  }
  return endpoints;
}

function isServing(pod: V1Pod, namespace: string | undefined, selector: Record<string, string>): boolean {
  const metadata = pod.metadata ?? {};
  const status = pod.status ?? {};
  if (metadata.namespace !== namespace || metadata.deletionTimestamp || !status.podIP) return false;
  const labels = metadata.labels ?? {};
  if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) return false;
  return (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function targetPortOf(servicePort: V1ServicePort, pod: V1Pod): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  try {
    return resolvePort(
      target,
      (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []),
    );
  } catch {
    return undefined; // this pod does not declare the named port: not an endpoint
  }
}

interface Forwarder {
  readonly server: Server;
  endpoints: Endpoint[];
  next: number;
}

export class ServiceProxy {
  private readonly forwarders = new Map<string, Forwarder>();

  constructor(
    /** Endpoints for Services without a selector that the node knows itself (the `kubernetes` Service). */
    private readonly fixedEndpoints: ReadonlyMap<string, Endpoint[]>,
    private readonly log: (message: string) => void,
  ) {}

  /** Level-triggered: brings listeners and endpoints in line with the current Services and pods. */
  sync(services: Iterable<V1Service>, pods: Iterable<V1Pod>): void {
    const podList = [...pods];
    const wanted = new Set<string>();
    for (const service of services) {
      for (const key of this.syncService(service, podList)) wanted.add(key);
    }
    for (const [key, forwarder] of this.forwarders) {
      if (wanted.has(key)) continue;
      forwarder.server.close();
      this.forwarders.delete(key);
    }
  }

  /** Returns the `ip:port` keys the Service needs listeners for. */
  private syncService(service: V1Service, pods: readonly V1Pod[]): string[] {
    const ip = service.spec?.clusterIP ?? 'None';
    if (!ip.startsWith('127.')) return []; // headless, or not a loopback ClusterIP: nothing to serve
    const metadata = service.metadata ?? {};
    const serviceKey = `${metadata.namespace ?? ''}/${metadata.name ?? ''}`;
    const tcpPorts = (service.spec?.ports ?? []).filter((port) => (port.protocol ?? 'TCP') === 'TCP');
    return tcpPorts.map((port) => {
      const key = `${ip}:${port.port}`;
      const endpoints = this.fixedEndpoints.get(serviceKey) ?? readyEndpoints(service, port, pods);
      this.ensureForwarder(key, ip, port.port, serviceKey).endpoints = endpoints;
      return key;
    });
  }

  close(): void {
    for (const forwarder of this.forwarders.values()) forwarder.server.close();
    this.forwarders.clear();
  }

  private ensureForwarder(key: string, ip: string, port: number, serviceKey: string): Forwarder {
    const existing = this.forwarders.get(key);
    if (existing) return existing;
    const forwarder: Forwarder = {
      server: createServer((client) => this.forward(forwarder, client)),
      endpoints: [],
      next: 0,
    };
    forwarder.server.on('error', (error) => this.log(`service ${serviceKey} on ${key}: ${error.message}`));
    forwarder.server.listen(port, ip);
    this.forwarders.set(key, forwarder);
    return forwarder;
  }

  /** Round robin over ready endpoints; with none, the connection is refused (reset), as with kube-proxy's REJECT rule. */
  private forward(forwarder: Forwarder, client: Socket): void {
    const endpoint = forwarder.endpoints[forwarder.next++ % Math.max(forwarder.endpoints.length, 1)];
    if (!endpoint) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(endpoint.port, endpoint.ip);
    client.pipe(upstream).pipe(client);
    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
  }
}
