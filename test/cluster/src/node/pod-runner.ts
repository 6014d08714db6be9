// One pod's life on the process node: init containers, containers with probes and restarts, termination.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Container, V1Pod, V1Service } from '@kubernetes/client-node';
import {
  ContainerProcess,
  canUseMountNamespaces,
  runToCompletion,
  type PodMounts,
  type ProcessLaunch,
} from './container-process.js';
import { containerEnv, expandVariables, type PodEnvContext } from './env.js';
import { renderHostsFile } from './hosts-file.js';
import { findLocalImage, resolveCommand, type ImageTable } from './images.js';
import type { ContainerRecord, PodRecord } from './pod-status.js';
import { ProbeLoop, type ProbeTarget } from './probes.js';
import { ServiceAccountToken, wantsServiceAccountToken } from './token.js';
import type { ApiClient } from './api-client.js';
import { unmountableReason, type BindMount } from './mount-plan.js';
import { decideTerminationMessage } from './termination-message.js';
import { PodVolumes } from './volumes.js';

export interface PodRunnerDeps {
  readonly api: ApiClient;
  /** Image name → local command: the built-in images and the host repository's. */
  readonly images: ImageTable;
  readonly podDir: string;
  readonly podIp: string;
  readonly hostIp: string;
  readonly caFile: string;
  /** The `kubernetes` Service's address, as a pod's in-cluster client sees it. */
  readonly apiserverInClusterUrl: string;
  readonly services: () => readonly V1Service[];
  readonly readSecretData: PodEnvContext['readSecretData'];
  readonly readConfigMapData: PodEnvContext['readConfigMapData'];
  /** Called whenever the record changed; the caller writes pods/status. */
  readonly onChange: () => void;
}

// The kubelet starts at 10 s and doubles to 300 s; tests cannot wait that long, so 1 s doubling to 20 s.
const firstBackoffMs = 1_000;
const maxBackoffMs = 20_000;
// A container that ran this long has its backoff reset.
const backoffResetAfterMs = 60_000;

export class PodRunner {
  readonly record: PodRecord;
  private readonly running = new Map<string, ContainerProcess>();
  private readonly probes: ProbeLoop[] = [];
  private token: ServiceAccountToken | undefined;
  private volumes: PodVolumes | undefined;
  private terminating = false;
  private readonly hostsFile: string;

  constructor(
    private pod: V1Pod,
    private readonly deps: PodRunnerDeps,
  ) {
    const record = (c: V1Container): ContainerRecord => ({
      name: c.name,
      image: c.image ?? '',
      restartCount: 0,
      ready: false,
      state: { kind: 'waiting', reason: 'ContainerCreating' },
    });
    this.record = {
      podIp: deps.podIp,
      hostIp: deps.hostIp,
      startTime: new Date().toISOString(),
      initContainers: (pod.spec?.initContainers ?? []).map(record),
      containers: (pod.spec?.containers ?? []).map(record),
      initialized: (pod.spec?.initContainers ?? []).length === 0,
    };
    this.hostsFile = join(deps.podDir, 'hosts');
  }

  get key(): string {
    return `${this.pod.metadata?.namespace ?? ''}/${this.pod.metadata?.name ?? ''}`;
  }

  /** Runs the pod until it ends or is terminated; never rejects (failures become status). */
  async run(): Promise<void> {
    try {
      mkdirSync(join(this.deps.podDir, 'home'), { recursive: true });
      this.updateHosts();
      if (!this.canMountVolumes()) return;
      if (wantsServiceAccountToken(this.pod)) {
        this.token = new ServiceAccountToken(
          this.deps.api,
          this.pod,
          ServiceAccountToken.filesFor(this.deps.podDir),
        );
        const token = this.token;
        await this.retryWhileAlive(() => token.start(this.deps.caFile, this.deps.apiserverInClusterUrl));
      }
      const volumes = new PodVolumes({
        api: this.deps.api,
        pod: this.pod,
        podDir: this.deps.podDir,
        serviceAccountDir: this.token?.files.dir,
      });
      this.volumes = volumes;
      // Retried like the kubelet's volume manager: a claim may still be binding, the Node authorizer catching up.
      await this.retryWhileAlive(() => volumes.prepare());
      delete this.record.message;
      this.deps.onChange();
      if (!(await this.runInitContainers())) return;
      this.record.initialized = true;
      this.deps.onChange();
      await Promise.all(
        (this.pod.spec?.containers ?? []).map((c, i) => this.supervise(c, this.containerRecord(i))),
      );
      this.settleTerminalPhase();
    } catch (error) {
      this.record.message = error instanceof Error ? error.message : String(error);
      this.deps.onChange();
    }
  }

  /**
   * A pod whose volumes cannot be mounted here waits with the reason rather than running without
   * them, which would fail later and obscurely. Without a mount namespace the token alone is let
   * go: `KUBECONFIG` still carries it.
   */
  private canMountVolumes(): boolean {
    const message = unmountableReason(this.pod, canUseMountNamespaces());
    if (message === undefined) return true;
    this.record.message = message;
    for (const c of [...this.record.initContainers, ...this.record.containers])
      c.state = { kind: 'waiting', reason: 'CreateContainerConfigError', message };
    this.deps.onChange();
    return false;
  }

  /**
   * The Node authorizer learns of a pod's binding from its own watch, so a
   * node's first token request can be refused for a moment; the kubelet retries too.
   */
  private async retryWhileAlive(step: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await step();
      } catch (error) {
        if (this.terminating || attempt >= 30) throw error;
        this.record.message = `attempt ${attempt}: ${error instanceof Error ? error.message : String(error)}`;
        this.deps.onChange();
        await sleep(Math.min(250 * attempt, 2_000));
      }
    }
  }

  /** Rewrites the hosts file in place: the bind mount follows the inode, so running processes see new Services. */
  updateHosts(): void {
    const namespace = this.pod.metadata?.namespace ?? 'default';
    writeFileSync(
      this.hostsFile,
      renderHostsFile(this.pod.metadata?.name ?? '', this.deps.podIp, namespace, this.deps.services()),
    );
  }

  /** Deletion: not ready at once, SIGTERM to every container, SIGKILL after the grace period. */
  async terminate(graceMs: number): Promise<void> {
    this.terminating = true;
    for (const probe of this.probes) probe.stop();
    for (const c of [...this.record.initContainers, ...this.record.containers]) c.ready = false;
    this.deps.onChange();
    await Promise.all([...this.running.values()].map((proc) => proc.stop(graceMs)));
    this.token?.stop();
    this.volumes?.remove();
  }

  private containerRecord(index: number): ContainerRecord {
    const record = this.record.containers[index];
    if (!record) throw new Error(`no record for container ${index} of ${this.key}`);
    return record;
  }

  private async runInitContainers(): Promise<boolean> {
    const initContainers = this.pod.spec?.initContainers ?? [];
    for (const [index, container] of initContainers.entries()) {
      const record = this.record.initContainers[index];
      if (!record || !(await this.runInitContainer(container, record))) return false;
    }
    return true;
  }

  /** Runs one init container until it succeeds; false when the pod ends first. */
  private async runInitContainer(container: V1Container, record: ContainerRecord): Promise<boolean> {
    while (!this.terminating) {
      if ((await this.runOnce(container, record)) === 0) return true;
      if (this.terminating) return false;
      if (this.pod.spec?.restartPolicy === 'Never') {
        this.record.terminalPhase = 'Failed';
        this.deps.onChange();
        return false;
      }
      await this.backoff(record, record.restartCount + 1);
    }
    return false;
  }

  /** Starts a container, restarts it per restartPolicy, until the pod terminates. */
  private async supervise(container: V1Container, record: ContainerRecord): Promise<void> {
    const policy = this.pod.spec?.restartPolicy ?? 'Always';
    let crashesInARow = 0;
    while (!this.terminating) {
      const startedMs = Date.now();
      const exitCode = await this.runOnce(container, record);
      if (this.terminating) return;
      if (policy === 'Never' || (policy === 'OnFailure' && exitCode === 0)) return;
      crashesInARow = Date.now() - startedMs > backoffResetAfterMs ? 0 : crashesInARow + 1;
      await this.backoff(record, crashesInARow);
    }
  }

  private async backoff(record: ContainerRecord, crashesInARow: number): Promise<void> {
    const delayMs = Math.min(
      maxBackoffMs,
      firstBackoffMs * 2 ** Math.min(Math.max(crashesInARow - 1, 0), 10),
    );
    // A container that could not even start (its image, its config) keeps that reason while it waits, as with the
    // kubelet's ImagePullBackOff: it never ran, so it did not crash and is not counted as a restart.
    if (record.state.kind === 'waiting') {
      await sleep(delayMs);
      return;
    }
    if (record.state.kind === 'terminated') record.lastTerminated = record.state;
    record.state = {
      kind: 'waiting',
      reason: 'CrashLoopBackOff',
      message: `back-off ${delayMs} ms restarting`,
    };
    record.restartCount += 1;
    this.deps.onChange();
    await sleep(delayMs);
  }

  /** One run of one container; resolves to its exit code. */
  private async runOnce(container: V1Container, record: ContainerRecord): Promise<number> {
    const launch = await this.launchFor(container, record);
    if (!launch) return 1;
    const termination = startTermination(launch.logFile, this.terminationFile(container));
    const proc = ContainerProcess.start(launch);
    this.running.set(container.name, proc);
    const startedAt = new Date().toISOString();
    record.pid = proc.pid;
    record.state = { kind: 'running', startedAt };
    const probes = this.startProbes(container, record, launch);
    this.deps.onChange();
    const exit = await proc.exited;
    for (const probe of probes) probe.stop();
    this.running.delete(container.name);
    record.ready = false;
    record.state = {
      kind: 'terminated',
      exitCode: exit.exitCode,
      reason: exit.exitCode === 0 ? 'Completed' : 'Error',
      startedAt,
      finishedAt: new Date().toISOString(),
      ...(exit.signal ? { signal: exit.exitCode - 128 } : {}),
      ...messageField(termination.read(container.terminationMessagePolicy, exit.exitCode)),
    };
    this.deps.onChange();
    return exit.exitCode;
  }

  /** Resolves image, command and env; a failure is reported as a waiting reason, as the kubelet would. */
  private async launchFor(
    container: V1Container,
    record: ContainerRecord,
  ): Promise<ProcessLaunch | undefined> {
    const argv = resolveCommand(this.deps.images, {
      image: container.image ?? '',
      command: container.command,
      args: container.args,
    });
    if (!argv) {
      record.state = {
        kind: 'waiting',
        reason: 'ErrImageNeverPull',
        message: `image ${container.image ?? ''} is not in the image table (the cluster's or package.json's testCluster.images) and the container gives no command`,
      };
      this.deps.onChange();
      return undefined;
    }
    try {
      const env = await this.environment(container);
      return {
        argv: argv.map((part) => expandVariables(part, env)),
        env,
        cwd:
          container.workingDir ??
          findLocalImage(this.deps.images, container.image ?? '')?.workingDir ??
          join(this.deps.podDir, 'home'),
        logFile: join(this.deps.podDir, `${container.name}.log`),
        pidFile: join(this.deps.podDir, `${container.name}.pid`),
        mounts: this.mountsFor(container, env),
      };
    } catch (error) {
      record.state = { kind: 'waiting', reason: 'CreateContainerConfigError', message: String(error) };
      this.deps.onChange();
      return undefined;
    }
  }

  private mountsFor(container: V1Container, env: Readonly<Record<string, string>>): PodMounts {
    const volumes = this.volumes?.mountsFor(container, env) ?? [];
    // The kubelet mounts a writable file at terminationMessagePath; so does the node, where it can mount at all.
    const termination: BindMount[] = canUseMountNamespaces()
      ? [
          {
            source: this.terminationFile(container),
            target: container.terminationMessagePath ?? '/dev/termination-log',
            readOnly: false,
          },
        ]
      : [];
    return { hostsFile: this.hostsFile, volumes: [...volumes, ...termination] };
  }

  private terminationFile(container: V1Container): string {
    return join(this.deps.podDir, `${container.name}.termination-log`);
  }

  private async environment(container: V1Container): Promise<Record<string, string>> {
    const image = findLocalImage(this.deps.images, container.image ?? '');
    const base = this.baseEnv();
    for (const [name, value] of Object.entries(image?.env ?? {})) base[name] = expandVariables(value, base);
    const namespace = this.pod.metadata?.namespace ?? 'default';
    const isLinked = (s: V1Service): boolean => {
      const metadata = s.metadata ?? {};
      return (
        metadata.namespace === namespace ||
        (metadata.namespace === 'default' && metadata.name === 'kubernetes')
      );
    };
    return containerEnv(
      {
        pod: this.pod,
        podIp: this.deps.podIp,
        hostIp: this.deps.hostIp,
        services: this.deps.services().filter(isLinked),
        readSecretData: this.deps.readSecretData,
        readConfigMapData: this.deps.readConfigMapData,
      },
      container,
      base,
    );
  }

  /** What every container gets before its image's and its own env. */
  private baseEnv(): Record<string, string> {
    return {
      PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: join(this.deps.podDir, 'home'),
      HOSTNAME: this.pod.metadata?.name ?? '',
      // Every pod shares the machine's loopback: a process must bind this address, not 0.0.0.0.
      POD_IP: this.deps.podIp,
      // With the token mounted where a pod has it, clients load the in-cluster config as in a real pod
      // (client-node does not read a kubeconfig's `tokenFile`). Without a mount namespace, a kubeconfig.
      ...(this.token && !canUseMountNamespaces() ? { KUBECONFIG: this.token.files.kubeconfig } : {}),
      ...(canUseMountNamespaces() ? {} : { SPOOL_NO_POD_HOSTS_FILE: '1' }),
    };
  }

  private startProbes(container: V1Container, record: ContainerRecord, launch: ProcessLaunch): ProbeLoop[] {
    const target: ProbeTarget = {
      podIp: this.deps.podIp,
      ports: container.ports ?? [],
      exec: (command, timeoutMs) =>
        runToCompletion({ ...launch, argv: command, pidFile: `${launch.pidFile}.probe` }, timeoutMs),
    };
    const loops: ProbeLoop[] = [];
    if (container.readinessProbe) {
      loops.push(
        new ProbeLoop(container.readinessProbe, target, false, (ok) => {
          record.ready = ok && !this.terminating;
          this.deps.onChange();
        }),
      );
    } else {
      record.ready = true;
    }
    if (container.livenessProbe) {
      // A failed liveness probe kills the container; supervise() restarts it per restartPolicy.
      loops.push(
        new ProbeLoop(container.livenessProbe, target, true, (ok) => {
          if (!ok)
            void this.running
              .get(container.name)
              ?.stop((this.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1_000);
        }),
      );
    }
    for (const loop of loops) loop.start();
    this.probes.push(...loops);
    return loops;
  }

  private settleTerminalPhase(): void {
    if (this.terminating) return;
    const allSucceeded = this.record.containers.every(
      (c) => c.state.kind === 'terminated' && c.state.exitCode === 0,
    );
    this.record.terminalPhase = allSucceeded ? 'Succeeded' : 'Failed';
    this.deps.onChange();
  }
}

interface TerminationCapture {
  read(policy: string | undefined, exitCode: number): string | undefined;
}

/** Empties the termination file and notes where this run's log begins, to read both when the run ends. */
function startTermination(logFile: string, terminationFile: string): TerminationCapture {
  mkdirSync(dirname(terminationFile), { recursive: true });
  writeFileSync(terminationFile, '');
  const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
  return {
    read: (policy, exitCode) => {
      const readOr = (read: () => string): string => {
        try {
          return read();
        } catch {
          return ''; // not written or not created: no message from it, as with the kubelet
        }
      };
      const fileText = readOr(() => readFileSync(terminationFile, 'utf8'));
      const log = readOr(() => readFileSync(logFile).subarray(logStart).toString('utf8'));
      return decideTerminationMessage({ policy, exitCode, fileText, log });
    },
  };
}

const messageField = (message: string | undefined): { message?: string } =>
  message === undefined ? {} : { message };
