import { describe, expect, test } from '@jest/globals';
import { MAX_CALL_BODY_BYTES, base64Length, type InvocationResult } from '@spool/api';
import { attemptFailureReason, boundedResult, callbackJobFor, decideJob } from './outcome.js';

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
    { name: 'async job without expiry runs', data: {}, nowMs: 5000, want: 'run' },
    {
      name: 'sync job before expiry runs',
      data: { expiresAtMs: 5000 },
      nowMs: 4999,
      want: 'run',
    },
    {
      name: 'sync job at its expiry still runs',
      data: { expiresAtMs: 5000 },
      nowMs: 5000,
      want: 'run',
    },
    {
      name: 'sync job past expiry is skipped',
      data: { expiresAtMs: 5000 },
      nowMs: 5001,
      want: 'expired',
    },
  ])('$name', ({ data, nowMs, want }) => {
    expect(decideJob(data, nowMs)).toBe(want);
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

describe('boundedResult', () => {
  const limit = base64Length(MAX_CALL_BODY_BYTES);
  test.each([
    { name: 'a body at the limit passes', length: limit, want: 200 },
    { name: 'a body past it is a 502', length: limit + 4, want: 502 },
  ])('$name', ({ length, want }) => {
    const bounded = boundedResult({ status: 200, headers: {}, bodyBase64: 'A'.repeat(length) });
    expect({ status: bounded.status, code: bounded.error?.code }).toEqual({
      status: want,
      code: want === 502 ? 'RESPONSE_TOO_LARGE' : undefined,
    });
  });
});
