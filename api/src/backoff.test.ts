import { describe, expect, test } from '@jest/globals';
import { decideRestart, doublingDelayMs, restartBackoff } from './backoff.js';

describe('doublingDelayMs', () => {
  const options = { initialMs: 100, maxMs: 1000 };
  test.each([
    { name: 'no failure yet waits nothing', failures: 0, want: 0 },
    { name: 'a negative count waits nothing', failures: -1, want: 0 },
    { name: 'the first failure waits the initial delay', failures: 1, want: 100 },
    { name: 'the second doubles it', failures: 2, want: 200 },
    { name: 'the fourth is 8 times the initial delay', failures: 4, want: 800 },
    { name: 'the fifth reaches the cap', failures: 5, want: 1000 },
    { name: 'stays at the cap', failures: 6, want: 1000 },
    { name: 'a huge count stays at the cap, not Infinity', failures: 5000, want: 1000 },
  ])('$name', ({ failures, want }) => {
    expect(doublingDelayMs(failures, options)).toBe(want);
  });

  test('an initial delay above the cap is capped', () => {
    expect(doublingDelayMs(1, { initialMs: 100, maxMs: 50 })).toBe(50);
  });
});

describe('decideRestart', () => {
  const options = restartBackoff(1000);
  test.each([
    {
      name: 'a first crash waits the initial delay',
      previous: 0,
      upForMs: 50,
      want: { crashes: 1, delayMs: 100 },
    },
    { name: 'a quick second crash doubles', previous: 1, upForMs: 50, want: { crashes: 2, delayMs: 200 } },
    {
      name: 'keeps doubling just short of stable',
      previous: 3,
      upForMs: 9_999,
      want: { crashes: 4, delayMs: 800 },
    },
    { name: 'caps at maxMs', previous: 4, upForMs: 10, want: { crashes: 5, delayMs: 1000 } },
    { name: 'stays at the cap', previous: 40, upForMs: 10, want: { crashes: 41, delayMs: 1000 } },
    { name: 'a stable run starts again', previous: 40, upForMs: 10_000, want: { crashes: 1, delayMs: 100 } },
  ])('$name', ({ previous, upForMs, want }) => {
    expect(decideRestart(previous, upForMs, options)).toEqual(want);
  });

  test('the process runtime backs off to 30 s', () => {
    expect(decideRestart(20, 0, restartBackoff(30_000)).delayMs).toBe(30_000);
  });
});
