import { describe, expect, test } from '@jest/globals';
import type { InvocationResult } from '@spool/api';
import { attemptFailureReason, callbackJobFor, decideJob } from './outcome.js';

const result = (over: Partial<InvocationResult> = {}): InvocationResult => ({
  status: 200,
  headers: {},
  bodyBase64: '',
  startedAtMs: 1000,
  finishedAtMs: 1010,
  attempt: 1,
  ...over,
});

describe('decideJob', () => {
  test.each([
    { name: 'async job without expiry runs', data: { version: 1 as const }, nowMs: 5000, want: 'run' },
    {
      name: 'sync job before expiry runs',
      data: { version: 1 as const, expiresAtMs: 5000 },
      nowMs: 4999,
      want: 'run',
    },
    {
      name: 'sync job at its expiry still runs',
      data: { version: 1 as const, expiresAtMs: 5000 },
      nowMs: 5000,
      want: 'run',
    },
    {
      name: 'sync job past expiry is skipped',
      data: { version: 1 as const, expiresAtMs: 5000 },
      nowMs: 5001,
      want: 'expired',
    },
    {
      name: 'sync job past expiry whose replica died mid-call is re-run: its caller still waits',
      data: { version: 1 as const, expiresAtMs: 5000 },
      nowMs: 9000,
      stalledCount: 1,
      want: 'run',
    },
    {
      name: 'a re-run before expiry runs',
      data: { version: 1 as const, expiresAtMs: 5000 },
      nowMs: 3000,
      stalledCount: 1,
      want: 'run',
    },
    { name: 'unknown version', data: { version: 2 as unknown as 1 }, nowMs: 0, want: 'unsupported' },
  ])('$name', ({ data, nowMs, want, ...rest }) => {
    const stalledCount = 'stalledCount' in rest ? rest.stalledCount : undefined;
    expect(decideJob(data, nowMs, stalledCount)).toBe(want);
  });
});

describe('attemptFailureReason', () => {
  test.each([
    {
      name: 'timeout',
      result: { status: 504, error: { code: 'CALL_TIMEOUT' as const, message: 'call ran past 5 s' } },
      want: 'CALL_TIMEOUT: call ran past 5 s',
    },
    {
      name: 'crash',
      result: {
        status: 502,
        error: { code: 'FUNCTION_CRASHED' as const, message: 'user process exited with code 1' },
      },
      want: 'FUNCTION_CRASHED: user process exited with code 1',
    },
    { name: 'function 500', result: { status: 500 }, want: 'function answered 500' },
  ])('$name', ({ result, want }) => {
    expect(attemptFailureReason(result)).toBe(want);
  });
});

describe('callbackJobFor', () => {
  const timing = { attempt: 3, startedAtMs: 7000, finishedAtMs: 7000 };
  test.each([
    {
      name: 'no callback URL, no callback',
      data: { callId: 'a.b.c' },
      ended: { result: result() },
      want: undefined,
    },
    {
      name: 'completed call carries its result',
      data: { callId: 'a.b.c', callbackUrl: 'http://cb/' },
      ended: { result: result({ status: 201 }) },
      want: { callId: 'a.b.c', callbackUrl: 'http://cb/', result: result({ status: 201 }) },
    },
    {
      name: 'failure without a result becomes a 502 naming the reason',
      data: { callId: 'a.b.c', callbackUrl: 'http://cb/' },
      ended: { failedReason: 'job stalled more than allowable limit', timing },
      want: {
        callId: 'a.b.c',
        callbackUrl: 'http://cb/',
        result: expect.objectContaining({
          status: 502,
          attempt: 3,
          error: { code: 'FUNCTION_UNAVAILABLE', message: 'job stalled more than allowable limit' },
        }),
      },
    },
  ])('$name', ({ data, ended, want }) => {
    expect(callbackJobFor(data, ended)).toEqual(want);
  });
});
