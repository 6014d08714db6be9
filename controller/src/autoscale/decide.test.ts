import { describe, expect, test } from '@jest/globals';
import type { ScaleSpec } from '@spool/api';
import {
  decide,
  initialScalerState,
  isIdleAtZero,
  localReplicaCapacity,
  requestedReplicas,
  withScaleRequest,
  withinCapacity,
  type QueueObservation,
  type ScaleReason,
  type ScalerState,
} from './decide.js';

const spec = (overrides: Partial<ScaleSpec> = {}): ScaleSpec => ({
  min: 0,
  max: 20,
  targetPerReplica: 4,
  idleSeconds: 60,
  scaleDownDelaySeconds: 30,
  ...overrides,
});

interface Step {
  readonly atS: number;
  readonly waiting: number;
  readonly active?: number;
  readonly delayed?: number;
  /** The call counter read at this tick; undefined: unreadable (or a step that does not care). */
  readonly calls?: number;
  /** Replicas the runtime reports; defaults to the previous step's decision (0 before the first). */
  readonly current?: number;
  /** An operator's scale request applied just before this step's tick. */
  readonly request?: number;
  readonly want: readonly [replicas: number, reason: ScaleReason];
}

interface Scenario {
  readonly name: string;
  readonly spec: ScaleSpec;
  readonly steps: readonly Step[];
}

const scenarios: Scenario[] = [
  {
    name: 'rounds up',
    spec: spec(),
    steps: [{ atS: 0, waiting: 7, active: 2, current: 1, want: [3, 'target'] }],
  },
  {
    name: 'wake from zero',
    spec: spec({ targetPerReplica: 10 }),
    steps: [
      { atS: 0, waiting: 0, want: [0, 'idle'] },
      { atS: 1, waiting: 1, want: [1, 'wake'] },
    ],
  },
  {
    name: 'wake from zero wins over the max clamp',
    spec: spec({ max: 2 }),
    steps: [{ atS: 0, waiting: 40, current: 0, want: [2, 'wake'] }],
  },
  {
    name: 'clamp to max',
    spec: spec({ max: 5 }),
    steps: [{ atS: 0, waiting: 100, current: 1, want: [5, 'max'] }],
  },
  {
    name: 'scales up at once, however recent the last scale-down',
    spec: spec(),
    steps: [
      { atS: 0, waiting: 4, current: 1, want: [1, 'target'] },
      { atS: 0.1, waiting: 40, want: [10, 'target'] },
    ],
  },
  {
    name: 'stays up during the window',
    spec: spec(),
    steps: [
      { atS: 0, waiting: 20, current: 5, want: [5, 'target'] },
      { atS: 10, waiting: 4, want: [5, 'stabilising'] },
      { atS: 29, waiting: 8, want: [5, 'stabilising'] },
    ],
  },
  {
    name: 'steps down after the window',
    spec: spec(),
    steps: [
      { atS: 0, waiting: 20, current: 5, want: [5, 'target'] },
      { atS: 10, waiting: 8, want: [5, 'stabilising'] },
      { atS: 30, waiting: 4, want: [2, 'stabilising'] },
      { atS: 40, waiting: 4, want: [1, 'target'] },
    ],
  },
  {
    name: 'to zero only after idleSeconds',
    spec: spec({ idleSeconds: 60, scaleDownDelaySeconds: 0 }),
    steps: [
      { atS: 0, waiting: 1, current: 0, want: [1, 'wake'] },
      { atS: 5, waiting: 0, want: [1, 'grace-period'] },
      { atS: 59, waiting: 0, want: [1, 'grace-period'] },
      { atS: 60, waiting: 0, want: [0, 'idle'] },
    ],
  },
  {
    name: 'running calls and pending retries count as activity',
    spec: spec({ idleSeconds: 10, scaleDownDelaySeconds: 0 }),
    steps: [
      { atS: 0, waiting: 0, active: 1, current: 1, want: [1, 'target'] },
      { atS: 9, waiting: 0, delayed: 1, want: [1, 'grace-period'] },
      { atS: 18, waiting: 0, want: [1, 'grace-period'] },
      { atS: 19, waiting: 0, want: [0, 'idle'] },
    ],
  },
  {
    name: 'replicas found running at start stay warm for idleSeconds',
    spec: spec({ idleSeconds: 10 }),
    steps: [
      { atS: 0, waiting: 0, current: 3, want: [1, 'grace-period'] },
      { atS: 10, waiting: 0, want: [0, 'idle'] },
    ],
  },
  {
    name: 'min > 0 never goes below min',
    spec: spec({ min: 2, idleSeconds: 1, scaleDownDelaySeconds: 0 }),
    steps: [
      { atS: 0, waiting: 0, current: 0, want: [2, 'idle'] },
      { atS: 1, waiting: 4, want: [2, 'min'] },
      { atS: 2, waiting: 12, want: [3, 'target'] },
      { atS: 100, waiting: 0, want: [2, 'idle'] },
    ],
  },
  {
    name: 'manual floor',
    spec: spec({ idleSeconds: 60, scaleDownDelaySeconds: 0 }),
    steps: [
      { atS: 0, waiting: 0, current: 0, request: 4, want: [4, 'manual'] },
      { atS: 30, waiting: 40, want: [10, 'target'] },
      { atS: 31, waiting: 0, want: [4, 'manual'] },
      { atS: 60, waiting: 0, want: [1, 'grace-period'] },
      { atS: 91, waiting: 0, want: [0, 'idle'] },
    ],
  },
  {
    name: 'manual floor is clamped to max',
    spec: spec({ max: 3 }),
    steps: [{ atS: 0, waiting: 0, current: 1, request: 50, want: [3, 'max'] }],
  },
  {
    name: 'scale request of 0 releases the window and the warm replica',
    spec: spec({ idleSeconds: 60, scaleDownDelaySeconds: 30 }),
    steps: [
      { atS: 0, waiting: 20, current: 1, want: [5, 'target'] },
      { atS: 1, waiting: 0, want: [5, 'stabilising'] },
      { atS: 2, waiting: 0, request: 0, want: [0, 'idle'] },
      { atS: 3, waiting: 1, want: [1, 'wake'] },
    ],
  },
  {
    // Issue 10 item 5: 5 calls/s of 10 ms, ticks every second, idleSeconds 3. Nothing is queued or running at any
    // sampling instant; the counter moves at every tick.
    name: 'steady low traffic never reaches zero',
    spec: spec({ idleSeconds: 3, scaleDownDelaySeconds: 0 }),
    steps: [
      { atS: 0, waiting: 1, calls: 1, current: 0, want: [1, 'wake'] },
      ...Array.from({ length: 35 }, (_, i) => ({
        atS: i + 1,
        waiting: 0,
        calls: 1 + 5 * (i + 1),
        want: [1, 'grace-period'] as const,
      })),
    ],
  },
  {
    name: 'steady low traffic: one call per two ticks keeps it warm',
    spec: spec({ idleSeconds: 3, scaleDownDelaySeconds: 0 }),
    steps: [
      { atS: 0, waiting: 0, calls: 10, current: 1, want: [1, 'grace-period'] },
      { atS: 1, waiting: 0, calls: 11, want: [1, 'grace-period'] },
      { atS: 2, waiting: 0, calls: 11, want: [1, 'grace-period'] },
      { atS: 3, waiting: 0, calls: 12, want: [1, 'grace-period'] },
      { atS: 4, waiting: 0, calls: 12, want: [1, 'grace-period'] },
      { atS: 5, waiting: 0, calls: 13, want: [1, 'grace-period'] },
      { atS: 6, waiting: 0, calls: 13, want: [1, 'grace-period'] },
      { atS: 7, waiting: 0, calls: 13, want: [1, 'grace-period'] },
      { atS: 8, waiting: 0, calls: 13, want: [0, 'idle'] },
    ],
  },
  {
    name: 'steady low traffic: idle clock starts at the last tick the counter moved',
    spec: spec({ idleSeconds: 10, scaleDownDelaySeconds: 0 }),
    steps: [
      { atS: 0, waiting: 0, active: 1, calls: 3, current: 1, want: [1, 'target'] },
      { atS: 5, waiting: 0, calls: 4, want: [1, 'grace-period'] },
      { atS: 14, waiting: 0, calls: 4, want: [1, 'grace-period'] },
      { atS: 15, waiting: 0, calls: 4, want: [0, 'idle'] },
    ],
  },
  {
    name: 'the first counter reading is a baseline, not activity',
    spec: spec({ idleSeconds: 10, scaleDownDelaySeconds: 0 }),
    steps: [
      { atS: 0, waiting: 0, calls: 500, current: 0, want: [0, 'idle'] },
      { atS: 20, waiting: 0, calls: 500, want: [0, 'idle'] },
      { atS: 21, waiting: 0, calls: 501, want: [1, 'grace-period'] },
    ],
  },
  {
    name: 'an unreadable counter is no information: the last reading stays the baseline',
    spec: spec({ idleSeconds: 10, scaleDownDelaySeconds: 0 }),
    steps: [
      { atS: 0, waiting: 0, active: 1, calls: 7, current: 1, want: [1, 'target'] },
      { atS: 9, waiting: 0, want: [1, 'grace-period'] },
      { atS: 10, waiting: 0, calls: 7, want: [0, 'idle'] },
      { atS: 11, waiting: 0, want: [0, 'idle'] },
      { atS: 12, waiting: 0, calls: 8, want: [1, 'grace-period'] },
    ],
  },
  {
    name: 'a counter that went back (key deleted, counted again) is activity',
    spec: spec({ idleSeconds: 10, scaleDownDelaySeconds: 0 }),
    steps: [
      { atS: 0, waiting: 0, calls: 900, current: 0, want: [0, 'idle'] },
      { atS: 1, waiting: 0, calls: 1, want: [1, 'grace-period'] },
    ],
  },
  {
    name: 'scale request of 0 drops the counter baseline too',
    spec: spec({ idleSeconds: 60, scaleDownDelaySeconds: 0 }),
    steps: [
      { atS: 0, waiting: 0, calls: 1, current: 1, want: [1, 'grace-period'] },
      { atS: 1, waiting: 0, calls: 2, want: [1, 'grace-period'] },
      { atS: 2, waiting: 0, calls: 3, request: 0, want: [0, 'idle'] },
      { atS: 3, waiting: 0, calls: 3, want: [0, 'idle'] },
      { atS: 4, waiting: 0, calls: 4, want: [1, 'grace-period'] },
    ],
  },
];

describe('decide', () => {
  test.each(scenarios)('$name', ({ spec: scale, steps }) => {
    let state: ScalerState = initialScalerState;
    let replicas = 0;
    const got: (readonly [number, ScaleReason])[] = [];
    for (const step of steps) {
      const nowMs = step.atS * 1000;
      if (step.request !== undefined) state = withScaleRequest(state, step.request, scale, nowMs);
      const obs: QueueObservation = {
        waiting: step.waiting,
        active: step.active ?? 0,
        delayed: step.delayed ?? 0,
        currentReplicas: step.current ?? replicas,
        calls: step.calls,
      };
      const decision = decide(obs, scale, state, nowMs);
      state = decision.state;
      replicas = decision.replicas;
      got.push([decision.replicas, decision.reason]);
    }
    expect(got).toEqual(steps.map((s) => s.want));
  });

  test.each([
    { name: 'one sample per distinct level', atS: [0, 1, 2, 3], waiting: [40, 20, 20, 4], want: [10, 5, 1] },
    { name: 'older samples leave the window', atS: [0, 10, 39], waiting: [40, 20, 4], want: [5, 1] },
  ])('keeps the window small: $name', ({ atS, waiting, want }) => {
    let state: ScalerState = initialScalerState;
    atS.forEach((s, i) => {
      const obs = { waiting: waiting[i] ?? 0, active: 0, delayed: 0, currentReplicas: 1, calls: 0 };
      state = decide(obs, spec(), state, s * 1000).state;
    });
    expect(state.samples.map((s) => s.replicas)).toEqual(want);
  });
});

describe('isIdleAtZero', () => {
  const scale = { min: 0, max: 10, targetPerReplica: 1, idleSeconds: 60, scaleDownDelaySeconds: 0 };
  test.each([
    {
      name: 'nothing at all',
      counts: { waiting: 0, active: 0, delayed: 0 },
      replicas: 0,
      min: 0,
      want: true,
    },
    {
      name: 'a call waiting',
      counts: { waiting: 1, active: 0, delayed: 0 },
      replicas: 0,
      min: 0,
      want: false,
    },
    {
      name: 'a retry pending',
      counts: { waiting: 0, active: 0, delayed: 1 },
      replicas: 0,
      min: 0,
      want: false,
    },
    {
      name: 'a warm replica',
      counts: { waiting: 0, active: 0, delayed: 0 },
      replicas: 1,
      min: 0,
      want: false,
    },
    {
      name: 'min above zero',
      counts: { waiting: 0, active: 0, delayed: 0 },
      replicas: 0,
      min: 1,
      want: false,
    },
  ])('$name', ({ counts, replicas, min, want }) => {
    expect(isIdleAtZero(counts, replicas, { ...scale, min })).toBe(want);
  });

  test('agrees with decide: a function idle at zero stays at zero', () => {
    expect(
      decide(
        { waiting: 0, active: 0, delayed: 0, currentReplicas: 0, calls: 0 },
        scale,
        initialScalerState,
        0,
      ).replicas,
    ).toBe(0);
  });
});

describe('within capacity', () => {
  test.each([
    { name: 'no cap leaves max', min: 0, max: 20, cap: undefined, want: 20 },
    { name: 'a cap below max lowers it', min: 0, max: 20, cap: 1, want: 1 },
    { name: 'a cap above max changes nothing', min: 0, max: 4, cap: 8, want: 4 },
    { name: 'min above the cap still holds', min: 3, max: 20, cap: 1, want: 3 },
    { name: "an operator's request goes past the cap", min: 0, max: 20, cap: 1, requested: 3, want: 3 },
    { name: 'but not past max', min: 0, max: 4, cap: 1, requested: 9, want: 4 },
  ])('$name', ({ min, max, cap, requested, want }) => {
    expect(withinCapacity(spec({ min, max }), cap, requested).max).toBe(want);
  });

  test('a request holds until it runs out', () => {
    const state: ScalerState = { ...initialScalerState, requested: { replicas: 3, untilMs: 1000 } };
    expect([requestedReplicas(state, 999), requestedReplicas(state, 1000)]).toEqual([3, 0]);
    expect(requestedReplicas(initialScalerState, 0)).toBe(0);
  });

  test('a burst at the cap scales to the cap, not to max', () => {
    const capped = withinCapacity(spec({ max: 20, targetPerReplica: 10 }), 1);
    const obs: QueueObservation = { waiting: 54, active: 10, delayed: 0, currentReplicas: 1, calls: 0 };
    expect(decide(obs, capped, initialScalerState, 0)).toMatchObject({ replicas: 1, reason: 'max' });
  });

  test.each([
    [1, 1],
    [2, 1],
    [3, 1],
    [4, 2],
    [16, 8],
  ])('%i cores run %i replicas of one function side by side', (cores, want) => {
    expect(localReplicaCapacity(cores)).toBe(want);
  });
});
