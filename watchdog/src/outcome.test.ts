import { describe, expect, test } from '@jest/globals';
import { BODY_INLINE_MAX_BYTES, MAX_CALL_BODY_BYTES, type InvocationResult } from '@spool/api';
import {
  MAX_UNCOUNTED_RUNS,
  attemptFailureReason,
  callbackJobFor,
  decideJob,
  decideNotRun,
  deliverableResult,
  mayBeWithdrawn,
  placeResult,
  stampResult,
  type FinishedRun,
} from './outcome.js';

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
    {
      name: 'sync job past expiry whose replica died mid-call is re-run: its caller still waits',
      data: { expiresAtMs: 5000 },
      nowMs: 9000,
      stalledCount: 1,
      want: 'run',
    },
    {
      name: 'a re-run before expiry runs',
      data: { expiresAtMs: 5000 },
      nowMs: 3000,
      stalledCount: 1,
      want: 'run',
    },
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
      name: 'failure without a result becomes a 503 naming the reason',
      data: { callId: 'a.b.c', callbackUrl: 'http://cb/' },
      ended: { failedReason: 'job stalled more than allowable limit', timing },
      want: {
        callId: 'a.b.c',
        callbackUrl: 'http://cb/',
        result: expect.objectContaining({
          status: 503,
          attempt: 3,
          error: { code: 'FUNCTION_UNAVAILABLE', message: 'job stalled more than allowable limit' },
        }),
      },
    },
  ])('$name', ({ data, ended, want }) => {
    expect(callbackJobFor(data, ended)).toEqual(want);
  });
});

const run = (over: Partial<FinishedRun> = {}): FinishedRun => ({
  status: 200,
  headers: {},
  body: Buffer.alloc(0),
  startedAtMs: 1000,
  finishedAtMs: 1010,
  attempt: 1,
  ...over,
});

describe('deliverableResult', () => {
  const limit = MAX_CALL_BODY_BYTES;
  test.each([
    { name: 'a body at the limit passes', over: { body: Buffer.alloc(limit) }, want: { status: 200 } },
    {
      name: 'a body past it is a 502',
      over: { body: Buffer.alloc(limit + 1) },
      want: { status: 502, code: 'RESPONSE_TOO_LARGE' },
    },
    {
      name: 'a status HTTP has not is a 502',
      over: { status: 700 },
      want: { status: 502, code: 'INVALID_RESPONSE' },
    },
    {
      name: 'a status below 100 is a 502',
      over: { status: 42 },
      want: { status: 502, code: 'INVALID_RESPONSE' },
    },
    { name: 'a 599 passes', over: { status: 599 }, want: { status: 599 } },
  ])('$name', ({ over, want }) => {
    const checked = deliverableResult(run(over));
    expect({ status: checked.status, code: checked.error?.code, attempt: checked.attempt }).toEqual({
      code: undefined,
      ...want,
      attempt: 1,
    });
  });
});

describe('decideNotRun', () => {
  test.each([
    {
      name: 'async, user code never reached: deferred',
      kind: 'async',
      notRun: true,
      started: 1,
      made: 0,
      want: 'defer',
    },
    {
      name: 'async, reached user code: an attempt',
      kind: 'async',
      notRun: false,
      started: 1,
      made: 0,
      want: 'count',
    },
    { name: 'sync: its caller is answered', kind: 'sync', notRun: true, started: 1, made: 0, want: 'count' },
    {
      name: 'after real attempts, still deferred',
      kind: 'async',
      notRun: true,
      started: 5,
      made: 2,
      want: 'defer',
    },
    {
      name: 'the last uncounted run',
      kind: 'async',
      notRun: true,
      started: MAX_UNCOUNTED_RUNS,
      made: 0,
      want: 'defer',
    },
    {
      name: 'deferred too often: counts',
      kind: 'async',
      notRun: true,
      started: MAX_UNCOUNTED_RUNS + 1,
      made: 0,
      want: 'count',
    },
  ] as const)('$name', ({ kind, notRun, started, made, want }) => {
    expect(decideNotRun(kind, notRun, { attemptsStarted: started, attemptsMade: made })).toBe(want);
  });
});

describe('stampResult', () => {
  test("the runner's notRun mark is not part of the stored result", () => {
    const stamped = stampResult(
      { status: 503, headers: {}, body: Buffer.alloc(0), notRun: true },
      { attempt: 1, startedAtMs: 1, finishedAtMs: 2 },
    );
    expect(stamped).toEqual({
      status: 503,
      headers: {},
      body: Buffer.alloc(0),
      attempt: 1,
      startedAtMs: 1,
      finishedAtMs: 2,
    });
  });
});

describe('placeResult', () => {
  const bytes = (n: number): Buffer => Buffer.alloc(n, 7);
  test.each([
    { name: 'an empty body travels inline', body: bytes(0), want: { bodyBase64: '' }, apart: undefined },
    {
      name: 'a body at the inline limit travels inline',
      body: bytes(BODY_INLINE_MAX_BYTES),
      want: { bodyBase64: bytes(BODY_INLINE_MAX_BYTES).toString('base64') },
      apart: undefined,
    },
    {
      name: 'one byte more is kept apart, the result holding only its length',
      body: bytes(BODY_INLINE_MAX_BYTES + 1),
      want: { bodyBase64: '', bodyStoredBytes: BODY_INLINE_MAX_BYTES + 1 },
      apart: bytes(BODY_INLINE_MAX_BYTES + 1),
    },
  ])('$name', ({ body, want, apart }) => {
    const placed = placeResult(run({ body }));
    expect({ result: placed.result, apart: placed.apart }).toEqual({ result: result(want), apart });
  });
});

describe('mayBeWithdrawn', () => {
  const fresh = { attemptsMade: 0, stalledCounter: 0 };
  test.each([
    { name: 'taken before its enqueue deadline', deadline: 2000, nowMs: 1500, job: fresh, want: false },
    { name: 'taken at or after its enqueue deadline', deadline: 2000, nowMs: 2000, job: fresh, want: true },
    {
      name: 'a job without a deadline (older gateway)',
      deadline: undefined,
      nowMs: 9000,
      job: fresh,
      want: false,
    },
    {
      name: 'a retry: it ran before, so it was not withdrawn',
      deadline: 2000,
      nowMs: 9000,
      job: { attemptsMade: 1, stalledCounter: 0 },
      want: false,
    },
    {
      name: 'a re-run after its replica died',
      deadline: 2000,
      nowMs: 9000,
      job: { attemptsMade: 0, stalledCounter: 1 },
      want: false,
    },
  ])('$name', ({ deadline, nowMs, job, want }) => {
    const data = deadline === undefined ? {} : { enqueueDeadlineMs: deadline };
    expect(mayBeWithdrawn(data, nowMs, job)).toBe(want);
  });
});
