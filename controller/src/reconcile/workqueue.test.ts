import { describe, expect, test } from '@jest/globals';
import type { Timer } from '../clock.js';
import { TerminalError, createWorkQueue, type WorkResult } from './workqueue.js';

/** A clock whose timers fire only when the test says so. */
function manualClock(): {
  setTimer: (ms: number, fn: () => void) => Timer;
  timers: { ms: number; fn: () => void }[];
} {
  const timers: { ms: number; fn: () => void }[] = [];
  return {
    timers,
    setTimer: (ms, fn) => {
      const t = { ms, fn };
      timers.push(t);
      return { cancel: () => timers.splice(timers.indexOf(t), 1) };
    },
  };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

function harness(outcome: (key: string, n: number) => WorkResult | Error) {
  const clock = manualClock();
  const calls: string[] = [];
  const errors: (number | undefined)[] = [];
  const gates: (() => void)[] = [];
  const q = createWorkQueue({
    concurrency: 2,
    clock,
    onError: (_k, _e, retryIn) => errors.push(retryIn),
    work: (key) =>
      new Promise((resolve, reject) => {
        calls.push(key);
        gates.push(() => {
          const r = outcome(key, calls.filter((c) => c === key).length);
          if (r instanceof Error) reject(r);
          else resolve(r);
        });
      }),
  });
  const release = async (): Promise<void> => {
    for (const g of gates.splice(0)) g();
    await settle();
  };
  return { q, calls, errors, clock, release };
}

describe('workqueue', () => {
  test('adds while a key is being worked collapse into one more run', async () => {
    const h = harness(() => ({}));
    for (let i = 0; i < 3; i++) h.q.add('a'); // the first add starts it; the others only mark it dirty
    await h.release();
    await h.release();
    expect(h.calls).toEqual(['a', 'a']);
  });

  test('never works one key twice at once, but different keys in parallel', async () => {
    const h = harness(() => ({}));
    h.q.add('a');
    h.q.add('b');
    h.q.add('a');
    expect(h.calls).toEqual(['a', 'b']);
    await h.release();
    expect(h.calls).toEqual(['a', 'b', 'a']);
  });

  test('errors back off doubling; terminal errors are not retried', async () => {
    const h = harness((key) => (key === 'bad' ? new TerminalError('invalid') : new Error('api down')));
    h.q.add('flaky');
    await h.release();
    h.clock.timers[0]?.fn();
    await h.release();
    h.q.add('bad');
    await h.release();
    expect(h.errors).toEqual([100, 200, undefined]);
  });

  test('requeueAfterMs schedules the key again', async () => {
    const h = harness(() => ({ requeueAfterMs: 5_000 }));
    h.q.add('a');
    await h.release();
    expect(h.clock.timers.map((t) => t.ms)).toEqual([5_000]);
  });

  test('a key an event queued goes before keys a timer queued', async () => {
    const h = harness(() => ({}));
    h.q.add('a');
    h.q.add('b'); // both workers busy
    h.q.addAfter('resync-1', 10_000);
    h.q.addAfter('resync-2', 10_000);
    for (const t of [...h.clock.timers]) t.fn();
    h.q.add('new');
    await h.release();
    expect(h.calls).toEqual(['a', 'b', 'new', 'resync-1']);
    expect(h.q.size()).toBe(3); // new and resync-1 at work, resync-2 waiting
  });

  test('an event for a key a timer queued moves it ahead, once', async () => {
    const h = harness(() => ({}));
    h.q.add('a');
    h.q.add('b');
    h.q.addAfter('other', 10_000);
    h.q.addAfter('changed', 10_000);
    for (const t of [...h.clock.timers]) t.fn();
    h.q.add('changed');
    await h.release();
    expect(h.calls).toEqual(['a', 'b', 'changed', 'other']);
    await h.release();
    expect(h.calls).toEqual(['a', 'b', 'changed', 'other']);
  });
});
