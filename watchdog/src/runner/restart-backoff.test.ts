import { describe, expect, test } from '@jest/globals';
import { decideRestartDelayMs, type RestartBackoffOptions } from './restart-backoff.js';

const options: RestartBackoffOptions = { initialMs: 100, maxMs: 1000, stableAfterMs: 10_000 };

describe('decideRestartDelayMs', () => {
  test.each([
    { name: 'first crash waits the initial delay', previous: undefined, upForMs: 50, want: 100 },
    { name: 'a quick second crash doubles', previous: 100, upForMs: 50, want: 200 },
    { name: 'keeps doubling', previous: 400, upForMs: 9_999, want: 800 },
    { name: 'caps at maxMs', previous: 800, upForMs: 10, want: 1000 },
    { name: 'stays at the cap', previous: 1000, upForMs: 10, want: 1000 },
    { name: 'resets after a stable run', previous: 1000, upForMs: 10_000, want: 100 },
  ])('$name', ({ previous, upForMs, want }) => {
    expect(decideRestartDelayMs(previous, upForMs, options)).toBe(want);
  });

  test.each([
    { name: 'initial delay above a tiny cap is capped', previous: undefined, want: 50 },
    { name: 'doubling above a tiny cap is capped', previous: 50, want: 50 },
  ])('$name', ({ previous, want }) => {
    expect(decideRestartDelayMs(previous, 0, { ...options, maxMs: 50 })).toBe(want);
  });
});
