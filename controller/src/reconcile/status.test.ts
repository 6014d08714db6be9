import { describe, expect, test } from '@jest/globals';
import type { Condition } from '@spool/api';
import { functionStatus, type ObservedFunction, type ObservedReplicas } from './status.js';

const NOW = Date.parse('2026-01-02T03:04:05Z');
const replicas = (o: Partial<ObservedReplicas>): ObservedReplicas => ({
  replicas: 1,
  readyReplicas: 1,
  desiredReplicas: 1,
  progressDeadlineExceeded: false,
  failure: undefined,
  ...o,
});
const CRASH = { reason: 'CrashLoopBackOff', message: 'container function exit code 3: boom' } as const;
const observed = (o: Partial<ObservedFunction>): ObservedFunction => ({
  generation: 2,
  problems: [],
  deployment: replicas({}),
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
      o: { deployment: replicas({ replicas: 0, readyReplicas: 0, desiredReplicas: 0 }) },
      want: { status: 'True', reason: 'ScaledToZero' },
    },
    {
      name: 'starting',
      o: { deployment: replicas({ readyReplicas: 0 }) },
      want: { status: 'False', reason: 'Starting' },
    },
    {
      name: 'stuck rollout',
      o: { deployment: replicas({ readyReplicas: 0, progressDeadlineExceeded: true }) },
      want: { status: 'False', reason: 'RolloutStuck' },
    },
    {
      name: 'process runtime: every replica crash-looping',
      o: { deployment: replicas({ replicas: 2, readyReplicas: 0, desiredReplicas: 2, failure: CRASH }) },
      want: { status: 'False', reason: 'CrashLoopBackOff' },
    },
    {
      name: 'process runtime: one replica crash-looping while another serves',
      o: { deployment: replicas({ replicas: 2, readyReplicas: 1, desiredReplicas: 2, failure: CRASH }) },
      want: { status: 'True', reason: 'Serving' },
    },
    {
      name: 'process runtime: a crash loop scaled to zero is no longer a crash loop',
      o: { deployment: replicas({ replicas: 0, readyReplicas: 0, desiredReplicas: 0, failure: CRASH }) },
      want: { status: 'True', reason: 'ScaledToZero' },
    },
    {
      name: 'process runtime: a rollout with old and new replicas serving',
      o: { deployment: replicas({ replicas: 3, readyReplicas: 2, desiredReplicas: 2 }) },
      want: { status: 'True', reason: 'Serving' },
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
    {
      name: "someone else's Deployment in its place",
      o: {
        deployment: undefined,
        conflict: 'Deployment a/fn-x already exists and is not managed by this Function',
      },
      want: { status: 'False', reason: 'DeploymentConflict' },
    },
    {
      name: 'image pull failing',
      o: {
        deployment: replicas({
          readyReplicas: 0,
          failure: { reason: 'ImagePullBackOff', message: 'image nosuch/image:1 (ErrImagePull)' },
        }),
      },
      want: { status: 'False', reason: 'ImagePullBackOff' },
    },
    {
      name: 'a failure is not reported while a replica is ready',
      o: { deployment: replicas({ readyReplicas: 1, failure: CRASH }) },
      want: { status: 'True', reason: 'Serving' },
    },
    {
      name: 'refused by the API server',
      o: { rejected: 'Deployment.apps "fn-a" is invalid: quantities must match the regular expression' },
      want: { status: 'False', reason: 'Rejected' },
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

  test('a Deployment conflict is Valid=False DeploymentConflict naming the Deployment', () => {
    const message = 'Deployment a/fn-x already exists and is not managed by this Function (no controller)';
    const valid = functionStatus(observed({ conflict: message }), NOW).conditions?.find(
      (c) => c.type === 'Valid',
    );
    expect(valid).toMatchObject({ status: 'False', reason: 'DeploymentConflict', message });
  });

  test.each([
    { name: 'Kubernetes', origin: undefined, want: 'spec.image is required' },
    {
      name: 'local mode names file and document',
      origin: 'fns/a.yaml (document 2)',
      want: 'fns/a.yaml (document 2): spec.image is required',
    },
    { name: 'a problem at the root', origin: undefined, path: '', want: '(root) must be an object' },
  ])('Valid message: $name', ({ origin, path, want }) => {
    const problem =
      path === undefined
        ? { path: 'spec.image', message: 'is required' }
        : { path, message: 'must be an object' };
    const status = functionStatus(observed({ problems: [problem], origin }), NOW);
    expect(status.conditions?.find((c) => c.type === 'Valid')?.message).toBe(want);
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

  test.each([
    { name: 'serving', o: {}, want: 'Ready' },
    { name: 'idle', o: { deployment: replicas({ readyReplicas: 0, desiredReplicas: 0 }) }, want: 'Idle' },
    {
      name: 'crash loop',
      o: { deployment: replicas({ readyReplicas: 0, failure: CRASH }) },
      want: 'CrashLoop',
    },
    { name: 'invalid', o: { problems: [{ path: 'spec.port', message: 'x' }] }, want: 'Invalid' },
    { name: 'rejected', o: { rejected: 'bad quantity' }, want: 'Invalid' },
  ])('state for the STATUS column: $name', ({ o, want }) => {
    expect(functionStatus(observed(o as Partial<ObservedFunction>), NOW).state).toBe(want);
  });

  test('Valid=False from the API server carries its message, and Ready repeats it for -o wide', () => {
    const conditions = functionStatus(
      observed({ rejected: 'spec.template: bad quantity "lots"' }),
      NOW,
    ).conditions;
    expect(conditions?.map((c) => [c.type, c.status, c.reason, c.message])).toEqual([
      ['Ready', 'False', 'Rejected', 'spec.template: bad quantity "lots"'],
      ['Valid', 'False', 'Rejected', 'spec.template: bad quantity "lots"'],
      ['RedisIsolated', 'True', 'OwnRedisUser', "replicas reach only this function's keys and reply scope"],
    ]);
  });

  test('counts come from the observation', () => {
    const s = functionStatus(
      observed({
        queued: 7,
        deployment: replicas({ replicas: 3, readyReplicas: 2, desiredReplicas: 3 }),
      }),
      NOW,
    );
    expect([s.observedGeneration, s.replicas, s.readyReplicas, s.queued]).toEqual([2, 3, 2, 7]);
  });
});
