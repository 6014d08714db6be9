import { describe, expect, test } from '@jest/globals';
import { decidePodFailure, type ObservedContainer, type ObservedPod } from './pod-failure.js';

const NOW = Date.parse('2026-01-02T03:04:05Z');
const START_TIMEOUT_MS = 60_000;
const startedAgo = (ms: number): string => new Date(NOW - ms).toISOString();
const container = (o: Partial<ObservedContainer>): ObservedContainer => ({
  name: 'function',
  image: 'nosuch/image:1',
  ready: false,
  ...o,
});
const pod = (containers: ObservedContainer[], o: Partial<ObservedPod> = {}): ObservedPod => ({
  startTime: startedAgo(5_000),
  conditions: [{ type: 'PodScheduled', status: 'True' }],
  containerStatuses: containers,
  ...o,
});
const waiting = (reason: string, message?: string): ObservedContainer =>
  container({ state: { waiting: { reason, message } } });

describe('decidePodFailure', () => {
  test.each([
    { name: 'no pods', pods: [], want: undefined },
    {
      name: 'a pod starting within its timeout',
      pods: [pod([waiting('ContainerCreating')])],
      want: undefined,
    },
    {
      name: 'ready pod',
      pods: [
        pod([container({ ready: true, state: {} })], { conditions: [{ type: 'Ready', status: 'True' }] }),
      ],
      want: undefined,
    },
    {
      name: 'ImagePullBackOff',
      pods: [pod([waiting('ImagePullBackOff', 'Back-off pulling image "nosuch/image:1"')])],
      want: {
        reason: 'ImagePullBackOff',
        message:
          'container function: image nosuch/image:1 (ImagePullBackOff): Back-off pulling image "nosuch/image:1"',
      },
    },
    {
      name: 'ErrImagePull',
      pods: [pod([waiting('ErrImagePull')])],
      want: {
        reason: 'ImagePullBackOff',
        message: 'container function: image nosuch/image:1 (ErrImagePull)',
      },
    },
    {
      name: 'CreateContainerConfigError',
      pods: [pod([waiting('CreateContainerConfigError', 'secret "db" not found')])],
      want: { reason: 'ContainerConfigError', message: 'container function: secret "db" not found' },
    },
    {
      name: 'CrashLoopBackOff with the last exit code and termination message',
      pods: [
        pod([
          container({
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 3, message: 'boom: no config\n' } },
          }),
        ]),
      ],
      want: { reason: 'CrashLoopBackOff', message: 'container function exit code 3: boom: no config' },
    },
    {
      name: 'CrashLoopBackOff before the first termination is recorded',
      pods: [pod([waiting('CrashLoopBackOff')])],
      want: { reason: 'CrashLoopBackOff', message: 'container function restarting with backoff' },
    },
    {
      name: 'terminated with an exit code',
      pods: [pod([container({ state: { terminated: { exitCode: 1, reason: 'Error' } } })])],
      want: { reason: 'CrashLoopBackOff', message: 'container function exit code 1' },
    },
    {
      name: 'terminated by a signal (exit code 137)',
      pods: [pod([container({ state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } })])],
      want: { reason: 'CrashLoopBackOff', message: 'container function exit code 137 (signal 9)' },
    },
    {
      name: 'terminated with a signal field',
      pods: [pod([container({ state: { terminated: { exitCode: 0, signal: 15 } } })])],
      want: { reason: 'CrashLoopBackOff', message: 'container function killed by signal 15' },
    },
    {
      name: 'terminated cleanly is not a failure by itself',
      pods: [pod([container({ state: { terminated: { exitCode: 0, reason: 'Completed' } } })])],
      want: undefined,
    },
    {
      name: 'Unschedulable',
      pods: [
        pod([], {
          startTime: undefined,
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              reason: 'Unschedulable',
              message: '0/1 nodes are available: 1 Insufficient memory.',
            },
          ],
        }),
      ],
      want: { reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient memory.' },
    },
    {
      name: 'not ready past the start timeout',
      pods: [pod([container({ state: { running: {} } })], { startTime: startedAgo(90_000) })],
      want: { reason: 'StartTimeout', message: 'not ready 90 s after start (start timeout 60 s)' },
    },
    {
      name: 'the first broken pod wins over a starting one',
      pods: [pod([waiting('ContainerCreating')]), pod([waiting('ErrImagePull')])],
      want: {
        reason: 'ImagePullBackOff',
        message: 'container function: image nosuch/image:1 (ErrImagePull)',
      },
    },
  ])('$name', ({ pods, want }) => {
    expect(
      decidePodFailure({ pods, deploymentConditions: [], startTimeoutMs: START_TIMEOUT_MS }, NOW),
    ).toEqual(want);
  });

  test.each([
    {
      name: 'ReplicaFailure for quota',
      conditions: [
        {
          type: 'ReplicaFailure',
          status: 'True',
          reason: 'FailedCreate',
          message: 'pods "fn-a-1" is forbidden: exceeded quota: small, requested: memory=1Gi',
        },
      ],
      want: {
        reason: 'QuotaExceeded',
        message: 'pods "fn-a-1" is forbidden: exceeded quota: small, requested: memory=1Gi',
      },
    },
    {
      name: 'ReplicaFailure for something else is left to the pods',
      conditions: [
        { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'admission webhook' },
      ],
      want: undefined,
    },
    {
      name: 'ReplicaFailure resolved',
      conditions: [
        { type: 'ReplicaFailure', status: 'False', reason: 'FailedCreate', message: 'exceeded quota' },
      ],
      want: undefined,
    },
  ])('Deployment: $name', ({ conditions, want }) => {
    expect(
      decidePodFailure({ pods: [], deploymentConditions: conditions, startTimeoutMs: START_TIMEOUT_MS }, NOW),
    ).toEqual(want);
  });
});
