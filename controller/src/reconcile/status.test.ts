import { describe, expect, test } from '@jest/globals';
import type { Condition } from '@spool/api';
import { functionStatus, type ObservedFunction } from './status.js';

const NOW = Date.parse('2026-01-02T03:04:05Z');
const observed = (o: Partial<ObservedFunction>): ObservedFunction => ({
  generation: 2,
  problems: [],
  deployment: { replicas: 1, readyReplicas: 1, desiredReplicas: 1, progressDeadlineExceeded: false },
  queued: 0,
  previous: [],
  ...o,
});
const ready = (o: Partial<ObservedFunction>): Pick<Condition, 'status' | 'reason'> | undefined => {
  const c = functionStatus(observed(o), NOW).conditions?.find((x) => x.type === 'Ready');
  return c && { status: c.status, reason: c.reason };
};

describe('functionStatus', () => {
  test.each([
    { name: 'serving', o: {}, want: { status: 'True', reason: 'Serving' } },
    {
      name: 'scaled to zero is ready',
      o: {
        deployment: { replicas: 0, readyReplicas: 0, desiredReplicas: 0, progressDeadlineExceeded: false },
      },
      want: { status: 'True', reason: 'ScaledToZero' },
    },
    {
      name: 'starting',
      o: {
        deployment: { replicas: 1, readyReplicas: 0, desiredReplicas: 1, progressDeadlineExceeded: false },
      },
      want: { status: 'False', reason: 'Starting' },
    },
    {
      name: 'stuck rollout',
      o: {
        deployment: { replicas: 1, readyReplicas: 0, desiredReplicas: 1, progressDeadlineExceeded: true },
      },
      want: { status: 'False', reason: 'RolloutStuck' },
    },
    {
      name: 'no deployment yet',
      o: { deployment: undefined },
      want: { status: 'Unknown', reason: 'Deploying' },
    },
    {
      name: 'invalid spec',
      o: { problems: [{ path: 'spec.port', message: 'must be at least 1' }] },
      want: { status: 'False', reason: 'InvalidSpec' },
    },
  ])('Ready: $name', ({ o, want }) => {
    expect(ready(o as Partial<ObservedFunction>)).toEqual(want);
  });

  test('Valid=False carries every problem in its message', () => {
    const status = functionStatus(
      observed({
        problems: [
          { path: 'spec.a', message: 'x' },
          { path: 'spec.b', message: 'y' },
        ],
      }),
      NOW,
    );
    expect(status.conditions?.find((c) => c.type === 'Valid')).toEqual({
      type: 'Valid',
      status: 'False',
      reason: 'InvalidSpec',
      message: 'spec.a x; spec.b y',
      lastTransitionTime: '2026-01-02T03:04:05Z',
      observedGeneration: 2,
    });
  });

  test.each([
    { name: 'kept while the status holds', before: 'True', want: '2025-12-31T00:00:00Z' },
    { name: 'moved when the status changes', before: 'False', want: '2026-01-02T03:04:05Z' },
  ])('lastTransitionTime is $name', ({ before, want }) => {
    const previous: Condition[] = [
      {
        type: 'Ready',
        status: before as 'True',
        reason: 'x',
        message: '',
        lastTransitionTime: '2025-12-31T00:00:00Z',
      },
    ];
    const c = functionStatus(observed({ previous }), NOW).conditions?.find((x) => x.type === 'Ready');
    expect(c?.lastTransitionTime).toBe(want);
  });

  test('counts come from the observation', () => {
    const s = functionStatus(
      observed({
        queued: 7,
        deployment: { replicas: 3, readyReplicas: 2, desiredReplicas: 3, progressDeadlineExceeded: false },
      }),
      NOW,
    );
    expect([s.observedGeneration, s.replicas, s.readyReplicas, s.queued]).toEqual([2, 3, 2, 7]);
  });
});
