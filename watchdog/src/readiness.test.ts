import { describe, expect, test } from '@jest/globals';
import { decideLiveness, decideReadiness, type WatchdogSnapshot } from './readiness.js';

const running: WatchdogSnapshot = {
  phase: 'running',
  workerRunning: true,
  userProcessReady: true,
  userProcessReplacing: false,
};

describe('decideReadiness', () => {
  test.each([
    { name: 'all up', snapshot: running, want: { ok: true, reason: 'ready' } },
    {
      name: 'starting',
      snapshot: { ...running, phase: 'starting' },
      want: { ok: false, reason: 'starting' },
    },
    {
      name: 'draining',
      snapshot: { ...running, phase: 'draining' },
      want: { ok: false, reason: 'draining' },
    },
    { name: 'closed', snapshot: { ...running, phase: 'closed' }, want: { ok: false, reason: 'closed' } },
    {
      name: 'worker not running',
      snapshot: { ...running, workerRunning: false },
      want: { ok: false, reason: 'the queue worker is not running' },
    },
    {
      name: 'user process down',
      snapshot: { ...running, userProcessReady: false },
      want: { ok: false, reason: 'the user process is not ready' },
    },
    {
      name: 'draining its other calls after a timeout',
      snapshot: { ...running, userProcessReplacing: true },
      want: { ok: false, reason: 'the user process is being replaced after a call timed out' },
    },
    {
      name: 'restarting after a timeout',
      snapshot: { ...running, userProcessReady: false, userProcessReplacing: true },
      want: { ok: false, reason: 'the user process is being replaced after a call timed out' },
    },
    {
      name: 'user process keeps exiting at start',
      snapshot: { ...running, userProcessReady: false, userProcessCrashLoop: 'exited with code 3: boom' },
      want: { ok: false, reason: 'crash-loop: user process exited with code 3: boom' },
    },
    {
      name: 'a crash loop that recovered is ready',
      snapshot: { ...running, userProcessCrashLoop: 'exited with code 3: boom' },
      want: { ok: true, reason: 'ready' },
    },
  ] satisfies { name: string; snapshot: WatchdogSnapshot; want: unknown }[])(
    '$name',
    ({ snapshot, want }) => {
      expect(decideReadiness(snapshot)).toEqual(want);
    },
  );
});

describe('decideLiveness', () => {
  test.each([
    { name: 'running', snapshot: running, want: { ok: true, reason: 'running' } },
    {
      name: 'starting before the worker runs',
      snapshot: { ...running, phase: 'starting', workerRunning: false, userProcessReady: false },
      want: { ok: true, reason: 'starting' },
    },
    {
      name: 'user process down is unready, not dead',
      snapshot: { ...running, userProcessReady: false },
      want: { ok: true, reason: 'running' },
    },
    {
      name: 'user process being replaced is unready, not dead',
      snapshot: { ...running, userProcessReady: false, userProcessReplacing: true },
      want: { ok: true, reason: 'running' },
    },
    {
      name: 'draining with the worker closing',
      snapshot: { ...running, phase: 'draining', workerRunning: false },
      want: { ok: true, reason: 'draining' },
    },
    {
      name: 'worker died while running',
      snapshot: { ...running, workerRunning: false },
      want: { ok: false, reason: 'the queue worker stopped' },
    },
    { name: 'closed', snapshot: { ...running, phase: 'closed' }, want: { ok: false, reason: 'closed' } },
  ] satisfies { name: string; snapshot: WatchdogSnapshot; want: unknown }[])(
    '$name',
    ({ snapshot, want }) => {
      expect(decideLiveness(snapshot)).toEqual(want);
    },
  );
});
