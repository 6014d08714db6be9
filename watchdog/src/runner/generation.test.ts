import { describe, expect, test } from '@jest/globals';
import { decideAfterCall, type CallEnd, type GenerationAction } from './generation.js';

describe('decideAfterCall', () => {
  test.each([
    {
      name: 'a call in time, alone',
      end: { timedOut: false, draining: false, othersInFlight: 0 },
      want: 'serve',
    },
    {
      name: 'a call in time beside others',
      end: { timedOut: false, draining: false, othersInFlight: 3 },
      want: 'serve',
    },
    {
      name: 'the only call is late (concurrency 1)',
      end: { timedOut: true, draining: false, othersInFlight: 0 },
      want: 'replace',
    },
    {
      name: 'one late call of four drains',
      end: { timedOut: true, draining: false, othersInFlight: 3 },
      want: 'drain',
    },
    {
      name: 'draining, a call in time with others left',
      end: { timedOut: false, draining: true, othersInFlight: 1 },
      want: 'drain',
    },
    {
      name: 'draining, the last call ends in time',
      end: { timedOut: false, draining: true, othersInFlight: 0 },
      want: 'replace',
    },
    {
      name: 'draining, another call is late with others left',
      end: { timedOut: true, draining: true, othersInFlight: 1 },
      want: 'drain',
    },
    {
      name: 'draining, the last call is late too',
      end: { timedOut: true, draining: true, othersInFlight: 0 },
      want: 'replace',
    },
  ] satisfies { name: string; end: CallEnd; want: GenerationAction }[])('$name', ({ end, want }) => {
    expect(decideAfterCall(end)).toBe(want);
  });
});
