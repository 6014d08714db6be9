import { describe, expect, test } from '@jest/globals';
import { decideRedisWatch, initialRedisWatchState, type RedisWatchState } from './redis-watch.js';

const down = (downSinceMs: number, lost = false): RedisWatchState => ({
  reachable: false,
  downSinceMs,
  lost,
});

describe('decideRedisWatch', () => {
  test.each([
    {
      name: 'healthy stays healthy',
      prev: initialRedisWatchState,
      ok: true,
      now: 0,
      want: initialRedisWatchState,
      event: undefined,
    },
    {
      name: 'first failure: unready at once, not yet lost',
      prev: initialRedisWatchState,
      ok: false,
      now: 100,
      want: down(100),
      event: undefined,
    },
    {
      name: 'still down within lostAfterMs',
      prev: down(100),
      ok: false,
      now: 1099,
      want: down(100),
      event: undefined,
    },
    {
      name: 'down for lostAfterMs: lost',
      prev: down(100),
      ok: false,
      now: 1100,
      want: down(100, true),
      event: 'lost',
    },
    {
      name: 'lost is told once',
      prev: down(100, true),
      ok: false,
      now: 5000,
      want: down(100, true),
      event: undefined,
    },
    {
      name: 'a blip shorter than lostAfterMs: back, never lost',
      prev: down(100),
      ok: true,
      now: 300,
      want: initialRedisWatchState,
      event: 'back',
    },
    {
      name: 'back after lost',
      prev: down(100, true),
      ok: true,
      now: 9000,
      want: initialRedisWatchState,
      event: 'back',
    },
  ] as const)('$name', ({ prev, ok, now, want, event }) => {
    expect(decideRedisWatch(prev, ok, now, 1000)).toEqual({ state: want, event });
  });
});
