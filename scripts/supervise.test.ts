import { describe, expect, test } from '@jest/globals';
import { decideRestart } from '@spool/api';
import { LOCAL_STACK_BACKOFF, describeRestart, orphanRoots } from './supervise.js';

describe('the local stack restarts with api decideRestart', () => {
  test.each([
    { name: 'first crash', previous: 0, livedMs: 500, want: { crashes: 1, delayMs: 200 } },
    {
      name: 'second early crash doubles',
      previous: 1,
      livedMs: 500,
      want: { crashes: 2, delayMs: 400 },
    },
    { name: 'fifth early crash', previous: 4, livedMs: 100, want: { crashes: 5, delayMs: 3_200 } },
    {
      name: 'capped at maxDelayMs',
      previous: 9,
      livedMs: 100,
      want: { crashes: 10, delayMs: 5_000 },
    },
    {
      name: 'a long life starts over',
      previous: 9,
      livedMs: 10_000,
      want: { crashes: 1, delayMs: 200 },
    },
    {
      name: 'just short of healthy',
      previous: 2,
      livedMs: 9_999,
      want: { crashes: 3, delayMs: 800 },
    },
  ])('$name', ({ previous, livedMs, want }) => {
    expect(decideRestart(previous, livedMs, LOCAL_STACK_BACKOFF)).toEqual(want);
  });
});

describe('describeRestart', () => {
  test.each([
    {
      name: 'killed',
      exit: { code: null, signal: 'SIGKILL' },
      decision: { crashes: 1, delayMs: 200 },
      want: 'spool: redis exited (SIGKILL) after 12.3 s; restarting in 200 ms',
    },
    {
      name: 'crash loop',
      exit: { code: 1, signal: null },
      decision: { crashes: 3, delayMs: 800 },
      want: 'spool: redis exited (code 1) after 12.3 s; restarting in 800 ms, crash 3 in a row',
    },
  ])('$name', ({ exit, decision, want }) => {
    expect(describeRestart('redis', exit, 12_345, decision)).toBe(want);
  });
});

describe('orphanRoots', () => {
  test.each([
    { name: 'nothing left', processes: [], want: [] },
    {
      name: 'orphaned watchdogs, not their user processes',
      processes: [
        { pid: 10, ppid: 1 },
        { pid: 11, ppid: 10 },
        { pid: 20, ppid: 1 },
        { pid: 21, ppid: 20 },
      ],
      want: [10, 20],
    },
    { name: 'a user process whose watchdog is gone', processes: [{ pid: 11, ppid: 1 }], want: [11] },
  ])('$name', ({ processes, want }) => {
    expect(orphanRoots(processes)).toEqual(want);
  });
});
