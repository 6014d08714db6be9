// The pod status the node reports, as a pure function of what its processes are doing.

export type ContainerRunState =
  | { readonly kind: 'waiting'; readonly reason: string; readonly message?: string }
  | { readonly kind: 'running'; readonly startedAt: string }
  | {
      readonly kind: 'terminated';
      readonly exitCode: number;
      readonly reason: string;
      readonly startedAt: string;
      readonly finishedAt: string;
      readonly signal?: number;
      /** The termination message (termination-message.ts). */
      readonly message?: string;
    };

export interface ContainerRecord {
  readonly name: string;
  readonly image: string;
  restartCount: number;
  ready: boolean;
  pid?: number;
  state: ContainerRunState;
  lastTerminated?: ContainerRunState & { kind: 'terminated' };
}

export interface PodRecord {
  readonly podIp: string;
  readonly hostIp: string;
  readonly startTime: string;
  readonly initContainers: ContainerRecord[];
  readonly containers: ContainerRecord[];
  initialized: boolean;
  /** Set when restartPolicy says no container will run again. */
  terminalPhase?: 'Succeeded' | 'Failed';
  /** Why the pod cannot start, e.g. an image missing from the image table. */
  message?: string;
}

interface Condition {
  type: string;
  status: 'True' | 'False';
  lastTransitionTime: string;
  reason?: string;
}

export function podPhase(record: PodRecord): 'Pending' | 'Running' | 'Succeeded' | 'Failed' {
  if (record.terminalPhase) return record.terminalPhase;
  if (!record.initialized) return 'Pending';
  const everStarted = record.containers.every((c) => c.state.kind !== 'waiting' || c.restartCount > 0);
  return everStarted ? 'Running' : 'Pending';
}

/** The body of a strategic-merge patch to pods/status: conditions merge by type, container statuses by name. */
export function desiredPodStatus(
  record: PodRecord,
  previousConditions: readonly Condition[],
  nowIso: string,
): object {
  const containersReady = record.containers.every((c) => c.ready);
  const running = podPhase(record) === 'Running';
  const condition = (type: string, ok: boolean, reason?: string): Condition => {
    const previous = previousConditions.find((c) => c.type === type);
    const status = ok ? 'True' : 'False';
    return {
      type,
      status,
      // Kept from the last report unless the status flipped, as the kubelet does.
      lastTransitionTime: previous?.status === status ? previous.lastTransitionTime : nowIso,
      ...(ok || !reason ? {} : { reason }),
    };
  };
  return {
    status: {
      phase: podPhase(record),
      hostIP: record.hostIp,
      hostIPs: [{ ip: record.hostIp }],
      podIP: record.podIp,
      podIPs: [{ ip: record.podIp }],
      startTime: record.startTime,
      // null clears an earlier message under merge-patch rules.
      message: record.message ?? null,
      conditions: [
        condition('PodReadyToStartContainers', true),
        condition('Initialized', record.initialized, 'ContainersNotInitialized'),
        condition('ContainersReady', running && containersReady, 'ContainersNotReady'),
        condition('Ready', running && containersReady, 'ContainersNotReady'),
        condition('PodScheduled', true),
      ],
      initContainerStatuses: record.initContainers.map(containerStatus),
      containerStatuses: record.containers.map(containerStatus),
    },
  };
}

function containerStatus(container: ContainerRecord): object {
  return {
    name: container.name,
    image: container.image,
    imageID: `process-node://${container.image}`,
    ...(container.pid ? { containerID: `process://${container.pid}` } : {}),
    ready: container.ready,
    started: container.state.kind === 'running',
    restartCount: container.restartCount,
    state: runState(container.state),
    lastState: container.lastTerminated ? runState(container.lastTerminated) : {},
  };
}

function runState(state: ContainerRunState): object {
  switch (state.kind) {
    case 'waiting':
      return { waiting: { reason: state.reason, ...(state.message ? { message: state.message } : {}) } };
    case 'running':
      return { running: { startedAt: state.startedAt } };
    case 'terminated':
      return {
        terminated: {
          exitCode: state.exitCode,
          reason: state.reason,
          startedAt: state.startedAt,
          finishedAt: state.finishedAt,
          ...(state.signal ? { signal: state.signal } : {}),
          ...(state.message !== undefined ? { message: state.message } : {}),
        },
      };
  }
}
