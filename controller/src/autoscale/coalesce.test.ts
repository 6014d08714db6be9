import { describe, expect, test } from '@jest/globals';
import { coalescer } from './coalesce.js';

/** A run that stays in progress until `release()` is called. */
function gate(): { wait: Promise<void>; release: () => void } {
  let release = (): void => {};
  const wait = new Promise<void>((resolve) => (release = resolve));
  return { wait, release };
}

describe('coalescer', () => {
  test.each([
    { name: 'one request runs once', requestsDuringRun: 0, want: 1 },
    { name: 'a request during a run runs once more', requestsDuringRun: 1, want: 2 },
    { name: 'many requests during a run run once more', requestsDuringRun: 5, want: 2 },
  ])('$name', async ({ requestsDuringRun, want }) => {
    const first = gate();
    let runs = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const c = coalescer(async () => {
      runs += 1;
      concurrent += 1;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      if (runs === 1) await first.wait;
      concurrent -= 1;
    });
    const done = c.run('a');
    for (let i = 0; i < requestsDuringRun; i += 1) void c.run('a');
    first.release();
    await done;
    await c.idle();
    expect({ runs, maxConcurrent }).toEqual({ runs: want, maxConcurrent: 1 });
  });

  test('different keys run side by side', async () => {
    const first = gate();
    const started: string[] = [];
    const c = coalescer(async (key) => {
      started.push(key);
      if (key === 'a') await first.wait;
    });
    const a = c.run('a');
    await c.run('b');
    first.release();
    await a;
    expect(started).toEqual(['a', 'b']);
  });
});
