// The status the node reports for a pod, from what its processes do: phase, conditions, container statuses.
import { describe, expect, test } from '@jest/globals';
import { desiredPodStatus, podPhase, type ContainerRecord, type PodRecord } from './pod-status.js';

const started = '2026-01-01T00:00:00.000Z';
const now = '2026-01-01T00:01:00.000Z';

function container(overrides: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    name: 'app',
    image: 'acme/app:1',
    restartCount: 0,
    ready: false,
    state: { kind: 'waiting', reason: 'ContainerCreating' },
    ...overrides,
  };
}

const running = container({ state: { kind: 'running', startedAt: started }, ready: true, pid: 4242 });

function pod(overrides: Partial<PodRecord> = {}): PodRecord {
  return {
    podIp: '127.1.0.2',
    hostIp: '127.0.0.1',
    startTime: started,
    initContainers: [],
    containers: [container()],
    initialized: true,
    ...overrides,
  };
}

interface Reported {
  readonly status: {
    readonly phase: string;
    readonly message: string | null;
    readonly conditions: readonly {
      type: string;
      status: string;
      lastTransitionTime: string;
      reason?: string;
    }[];
    readonly containerStatuses: readonly Record<string, unknown>[];
  };
}

function report(
  record: PodRecord,
  previous: Parameters<typeof desiredPodStatus>[1] = [],
): Reported['status'] {
  return (desiredPodStatus(record, previous, now) as Reported).status;
}

describe('podPhase', () => {
  test.each<[string, PodRecord, string]>([
    ['init containers still running', pod({ initialized: false }), 'Pending'],
    ['no container started yet', pod(), 'Pending'],
    ['every container started', pod({ containers: [running] }), 'Running'],
    [
      'one container waiting after a restart',
      pod({ containers: [running, container({ restartCount: 1 })] }),
      'Running',
    ],
    ['one of two never started', pod({ containers: [running, container()] }), 'Pending'],
    ['restartPolicy ended it well', pod({ containers: [running], terminalPhase: 'Succeeded' }), 'Succeeded'],
    ['restartPolicy ended it badly', pod({ terminalPhase: 'Failed' }), 'Failed'],
  ])('%s → %s', (_case, record, phase) => {
    expect(podPhase(record)).toBe(phase);
  });
});

describe('desiredPodStatus', () => {
  test.each<[string, PodRecord, Record<string, string>]>([
    [
      'waiting to initialize',
      pod({ initialized: false }),
      { Initialized: 'False', ContainersReady: 'False', Ready: 'False', PodScheduled: 'True' },
    ],
    [
      'running but not ready',
      pod({ containers: [{ ...running, ready: false }] }),
      { Initialized: 'True', ContainersReady: 'False', Ready: 'False' },
    ],
    [
      'running and ready',
      pod({ containers: [running] }),
      { Initialized: 'True', ContainersReady: 'True', Ready: 'True' },
    ],
  ])('%s', (_case, record, expected) => {
    const conditions = Object.fromEntries(report(record).conditions.map((c) => [c.type, c.status]));
    expect(conditions).toMatchObject(expected);
  });

  test('a false condition says why; a true one does not', () => {
    const byType = new Map(report(pod()).conditions.map((c) => [c.type, c]));
    expect(byType.get('Ready')?.reason).toBe('ContainersNotReady');
    expect(byType.get('PodScheduled')?.reason).toBeUndefined();
  });

  test('a transition time is kept while the status stays, and renewed when it flips', () => {
    const earlier = '2025-12-31T23:59:00.000Z';
    const previous = [
      { type: 'PodScheduled', status: 'True' as const, lastTransitionTime: earlier },
      { type: 'Ready', status: 'False' as const, lastTransitionTime: earlier },
    ];
    const byType = new Map(
      report(pod({ containers: [running] }), previous).conditions.map((c) => [c.type, c]),
    );
    expect(byType.get('PodScheduled')?.lastTransitionTime).toBe(earlier);
    expect(byType.get('Ready')?.lastTransitionTime).toBe(now);
  });

  test('container statuses carry the pid as a process:// container ID', () => {
    const [status] = report(pod({ containers: [running] })).containerStatuses;
    expect(status).toMatchObject({
      name: 'app',
      containerID: 'process://4242',
      ready: true,
      started: true,
      state: { running: { startedAt: started } },
      lastState: {},
    });
  });

  test('a terminated container reports its exit, and the restart its last state', () => {
    const terminated = {
      kind: 'terminated' as const,
      exitCode: 137,
      reason: 'Error',
      startedAt: started,
      finishedAt: now,
      signal: 9,
    };
    const record = pod({
      containers: [container({ restartCount: 1, state: terminated, lastTerminated: terminated })],
    });
    const [status] = report(record).containerStatuses;
    expect(status).toMatchObject({
      restartCount: 1,
      started: false,
      state: { terminated: { exitCode: 137, reason: 'Error', signal: 9 } },
      lastState: { terminated: { exitCode: 137 } },
    });
    expect(status).not.toHaveProperty('containerID');
  });

  test('a message is reported, and cleared with null once gone', () => {
    expect(report(pod({ message: 'image missing' })).message).toBe('image missing');
    expect(report(pod()).message).toBeNull();
  });
});
