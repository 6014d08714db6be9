import { describe, expect, test } from '@jest/globals';
import type { InvocationResult } from '@spool/api';
import { ATTEMPT_REASON_CHARS, attemptFailuresOf, describeCall, type StoredCall } from './call-status.js';

const result = (status: number, error?: InvocationResult['error']): InvocationResult => ({
  status,
  headers: {},
  bodyBase64: '',
  startedAtMs: 1_000,
  finishedAtMs: 1_200,
  attempt: 1,
  ...(error ? { error } : {}),
});

const call = (over: Partial<StoredCall>): StoredCall => ({
  jobState: 'waiting',
  attemptsMade: 0,
  maxAttempts: 3,
  enqueuedAtMs: 0,
  processedOnMs: undefined,
  finishedOnMs: undefined,
  result: undefined,
  failedReason: undefined,
  attemptErrors: null,
  ...over,
});

describe('describeCall', () => {
  test.each([
    { name: 'waiting is queued', stored: call({}), state: 'queued', attempts: 0 },
    {
      name: 'a retry in backoff is queued',
      stored: call({ jobState: 'delayed', attemptsMade: 1, failedReason: 'x' }),
      state: 'queued',
      attempts: 1,
    },
    {
      name: 'active is running, counting this attempt',
      stored: call({ jobState: 'active', processedOnMs: 5 }),
      state: 'running',
      attempts: 1,
    },
    {
      name: 'completed is succeeded',
      stored: call({ jobState: 'completed', attemptsMade: 1, result: result(200) }),
      state: 'succeeded',
      attempts: 1,
    },
    {
      name: 'a sync timeout is timed out',
      stored: call({
        jobState: 'completed',
        attemptsMade: 1,
        result: result(504, { code: 'CALL_TIMEOUT', message: 'm' }),
      }),
      state: 'timed out',
      attempts: 1,
    },
    {
      name: 'an async timeout on the last attempt is timed out',
      stored: call({ jobState: 'failed', attemptsMade: 3, failedReason: 'CALL_TIMEOUT: call ran past 5 s' }),
      state: 'timed out',
      attempts: 3,
    },
    {
      name: 'failed is failed',
      stored: call({ jobState: 'failed', attemptsMade: 3, failedReason: 'function answered 500' }),
      state: 'failed',
      attempts: 3,
    },
  ])('$name', ({ stored, state, attempts }) => {
    const view = describeCall(stored);
    expect({ state: view.state, attempts: view.attempts }).toEqual({ state, attempts });
  });

  test('times: wait is start minus enqueue, run is finish minus start', () => {
    const view = describeCall(
      call({
        jobState: 'completed',
        enqueuedAtMs: 1_000,
        processedOnMs: 1_040,
        finishedOnMs: 1_100,
        result: result(200),
      }),
    );
    expect({ waitMs: view.waitMs, runMs: view.runMs, finishedAt: view.finishedAt }).toEqual({
      waitMs: 40,
      runMs: 60,
      finishedAt: new Date(1_100).toISOString(),
    });
  });

  test('a running call shows no result or finish time yet', () => {
    const view = describeCall(call({ jobState: 'active', processedOnMs: 5, finishedOnMs: 9 }));
    expect([view.finishedAt, view.runMs, view.result]).toEqual([undefined, undefined, undefined]);
  });
});

const stack = (name: string, message: string): string => `${name}: ${message}\n    at run (worker.js:1:1)`;

describe('attemptFailuresOf', () => {
  test.each<{ name: string; stacks: unknown; want: string[] }>([
    { name: 'no failed attempt (BullMQ stores null)', stacks: null, want: [] },
    { name: 'an empty list', stacks: [], want: [] },
    {
      name: 'each attempt, oldest first, without the error name or the frames',
      stacks: [
        stack('FailedAttemptError', 'FUNCTION_UNAVAILABLE: user process exited with code 3: boom'),
        stack('FailedAttemptError', 'function answered 500'),
      ],
      want: ['FUNCTION_UNAVAILABLE: user process exited with code 3: boom', 'function answered 500'],
    },
    {
      name: 'a plain Error',
      stacks: [stack('Error', 'job stalled more than allowable limit')],
      want: ['job stalled more than allowable limit'],
    },
    { name: 'not a list', stacks: 'FailedAttemptError: x', want: [] },
    {
      name: 'entries that are not text are skipped',
      stacks: [42, null, stack('Error', 'kept')],
      want: ['kept'],
    },
    {
      name: 'only the last 10',
      stacks: Array.from({ length: 12 }, (_, i) => stack('Error', `attempt ${i + 1}`)),
      want: Array.from({ length: 10 }, (_, i) => `attempt ${i + 3}`),
    },
  ])('$name', ({ stacks, want }) => {
    expect(attemptFailuresOf(stacks)).toEqual(want);
  });

  test('a long reason is cut', () => {
    const [reason] = attemptFailuresOf([stack('Error', 'x'.repeat(2000))]);
    expect(reason!.length).toBe(ATTEMPT_REASON_CHARS);
  });

  test('describeCall shows them beside the last failedReason', () => {
    const view = describeCall(
      call({
        jobState: 'delayed',
        attemptsMade: 1,
        failedReason: 'function answered 500',
        attemptErrors: [stack('FailedAttemptError', 'function answered 500')],
      }),
    );
    expect(view.attemptFailures).toEqual(['function answered 500']);
  });
});
