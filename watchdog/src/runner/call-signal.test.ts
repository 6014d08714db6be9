import { describe, expect, test } from '@jest/globals';
import { FROZEN_LATENESS_MS, decideTimeoutFire } from './call-signal.js';

describe('decideTimeoutFire', () => {
  test.each([
    { name: 'on time', dueAtMs: 5000, nowMs: 5000, graced: false, want: 'abort' },
    {
      name: 'late by event-loop lag',
      dueAtMs: 5000,
      nowMs: 5000 + FROZEN_LATENESS_MS,
      graced: false,
      want: 'abort',
    },
    {
      name: 'late by a freeze (SIGSTOP 8 s): read what arrived first',
      dueAtMs: 5000,
      nowMs: 13_000,
      graced: false,
      want: 'grace',
    },
    { name: 'after the one grace', dueAtMs: 5000, nowMs: 13_300, graced: true, want: 'abort' },
  ] as const)('$name', ({ dueAtMs, nowMs, graced, want }) => {
    expect(decideTimeoutFire(dueAtMs, nowMs, graced)).toBe(want);
  });
});
