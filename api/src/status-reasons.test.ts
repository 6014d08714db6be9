import { describe, expect, test } from '@jest/globals';
import type { Condition } from './function-schema.js';
import { statusState, unavailableReason } from './status-reasons.js';

const condition = (type: string, status: Condition['status'], reason: string, message = ''): Condition => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: '2026-01-02T03:04:05Z',
});
const valid = condition('Valid', 'True', 'SpecValid');

describe('unavailableReason', () => {
  test.each([
    { name: 'no status yet', conditions: undefined, want: undefined },
    { name: 'serving', conditions: [condition('Ready', 'True', 'Serving'), valid], want: undefined },
    { name: 'idle', conditions: [condition('Ready', 'True', 'ScaledToZero'), valid], want: undefined },
    {
      name: 'only starting still queues',
      conditions: [condition('Ready', 'False', 'Starting'), valid],
      want: undefined,
    },
    {
      name: 'a stuck rollout still queues',
      conditions: [condition('Ready', 'False', 'RolloutStuck'), valid],
      want: undefined,
    },
    {
      name: 'crash loop',
      conditions: [condition('Ready', 'False', 'CrashLoopBackOff', 'exit code 3: boom'), valid],
      want: 'CrashLoopBackOff: exit code 3: boom',
    },
    {
      name: 'Valid=False wins over Ready',
      conditions: [
        condition('Ready', 'False', 'InvalidSpec', 'see below'),
        condition('Valid', 'False', 'Rejected', 'bad quantity "lots"'),
      ],
      want: 'Rejected: bad quantity "lots"',
    },
    {
      name: 'a reason without a message',
      conditions: [condition('Ready', 'False', 'StartTimeout'), valid],
      want: 'StartTimeout',
    },
    {
      name: 'an unknown reason is not broken',
      conditions: [condition('Ready', 'False', 'Whatever'), valid],
      want: undefined,
    },
  ])('$name', ({ conditions, want }) => {
    expect(unavailableReason(conditions === undefined ? undefined : { conditions })).toBe(want);
  });
});

describe('statusState', () => {
  test.each([
    { name: 'no conditions', conditions: [], want: 'Unknown' },
    { name: 'serving', conditions: [condition('Ready', 'True', 'Serving'), valid], want: 'Ready' },
    {
      name: 'image pull',
      conditions: [condition('Ready', 'False', 'ImagePullBackOff'), valid],
      want: 'ImagePull',
    },
    {
      name: 'invalid wins',
      conditions: [condition('Ready', 'False', 'InvalidSpec'), condition('Valid', 'False', 'InvalidSpec')],
      want: 'Invalid',
    },
    {
      name: 'an unknown reason is shown as it is',
      conditions: [condition('Ready', 'False', 'NewThing')],
      want: 'NewThing',
    },
  ])('$name', ({ conditions, want }) => {
    expect(statusState({ conditions })).toBe(want);
  });
});
