import { describe, expect, test } from '@jest/globals';
import { decideLeadership, observe, type LeaseRecord, type Observed } from './decide-leadership.js';

const record = (holder: string | undefined, renewTime = 't1'): LeaseRecord => ({
  holder,
  renewTime,
  leaseDurationSeconds: 8,
});

describe('decideLeadership', () => {
  test.each<{ name: string; observed: Observed | undefined; nowMs: number; want: string }>([
    { name: 'no lease yet: create it', observed: undefined, nowMs: 0, want: 'create' },
    {
      name: 'we hold it: renew',
      observed: { record: record('me'), seenAtMs: 0 },
      nowMs: 60_000,
      want: 'renew',
    },
    {
      name: 'released (no holder): acquire',
      observed: { record: record(undefined), seenAtMs: 0 },
      nowMs: 1,
      want: 'acquire',
    },
    {
      name: 'other holder, fresh: follow',
      observed: { record: record('other'), seenAtMs: 10_000 },
      nowMs: 17_999,
      want: 'follow',
    },
    {
      name: 'other holder, unchanged for the duration: acquire',
      observed: { record: record('other'), seenAtMs: 10_000 },
      nowMs: 18_000,
      want: 'acquire',
    },
  ])('$name', ({ observed, nowMs, want }) => {
    expect(decideLeadership(observed, 'me', nowMs)).toBe(want);
  });
});

describe('observe', () => {
  test('keeps the first sighting while the record is unchanged', () => {
    const first = observe(undefined, record('other'), 1_000);
    expect(observe(first, record('other'), 5_000).seenAtMs).toBe(1_000);
  });

  test('a renewal by the holder restarts the clock', () => {
    const first = observe(undefined, record('other', 't1'), 1_000);
    expect(observe(first, record('other', 't2'), 5_000).seenAtMs).toBe(5_000);
  });
});
