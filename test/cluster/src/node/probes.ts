// Readiness and liveness probes (httpGet, tcpSocket, exec) against the pod's own loopback address.
import { request } from 'node:http';
import { connect } from 'node:net';
import type { IntOrString, V1ContainerPort, V1Probe } from '@kubernetes/client-node';

export interface ProbeTarget {
  readonly podIp: string;
  readonly ports: readonly V1ContainerPort[];
  /** Runs a command in the pod's environment; resolves to its exit code. */
  readonly exec: (command: readonly string[], timeoutMs: number) => Promise<number>;
}

export function resolvePort(port: IntOrString | undefined, ports: readonly V1ContainerPort[]): number {
  if (typeof port === 'number') return port;
  const asNumber = Number(port);
  if (port !== undefined && Number.isInteger(asNumber)) return asNumber;
  const named = ports.find((p) => p.name === port);
  if (!named) throw new Error(`probe names port ${String(port)}, which the container does not declare`);
  return named.containerPort;
}

export async function probeOnce(probe: V1Probe, target: ProbeTarget): Promise<boolean> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1_000;
  if (probe.httpGet) {
    const port = resolvePort(probe.httpGet.port, target.ports);
    return httpGetSucceeds(probe.httpGet.host ?? target.podIp, port, probe.httpGet.path ?? '/', timeoutMs);
  }
  if (probe.tcpSocket) {
    return tcpConnects(
      probe.tcpSocket.host ?? target.podIp,
      resolvePort(probe.tcpSocket.port, target.ports),
      timeoutMs,
    );
  }
  if (probe.exec?.command) return (await target.exec(probe.exec.command, timeoutMs)) === 0;
  throw new Error(
    'probe has no httpGet, tcpSocket or exec handler (grpc is not supported by the process node)',
  );
}

/** 200 ≤ status < 400 succeeds, as in the kubelet. */
function httpGetSucceeds(host: string, port: number, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolveResult) => {
    const req = request(
      { host, port, path, timeout: timeoutMs, headers: { 'user-agent': 'kube-probe/1.34' } },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolveResult(status >= 200 && status < 400);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolveResult(false));
    req.end();
  });
}

function tcpConnects(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolveResult) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolveResult(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolveResult(false);
    });
    socket.once('error', () => resolveResult(false));
  });
}

/**
 * Runs one probe on its period and reports when its verdict flips, honouring
 * initialDelaySeconds, successThreshold and failureThreshold.
 */
export class ProbeLoop {
  private timer: NodeJS.Timeout | undefined;
  private successes = 0;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly probe: V1Probe,
    private readonly target: ProbeTarget,
    private verdict: boolean,
    private readonly onVerdict: (ok: boolean) => void,
  ) {}

  start(): void {
    this.schedule((this.probe.initialDelaySeconds ?? 0) * 1_000);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    const ok = await probeOnce(this.probe, this.target).catch(() => false);
    if (this.stopped) return;
    this.record(ok);
    this.schedule((this.probe.periodSeconds ?? 10) * 1_000);
  }

  private record(ok: boolean): void {
    this.successes = ok ? this.successes + 1 : 0;
    this.failures = ok ? 0 : this.failures + 1;
    if (!this.verdict && this.successes >= (this.probe.successThreshold ?? 1)) this.flip(true);
    if (this.verdict && this.failures >= (this.probe.failureThreshold ?? 3)) this.flip(false);
  }

  private flip(verdict: boolean): void {
    this.verdict = verdict;
    this.onVerdict(verdict);
  }
}
