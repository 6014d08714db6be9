import { describe, expect, test } from '@jest/globals';
import { answerDeadlineMs, decideUnanswered, type CallWait, type JobSnapshot } from './call-wait.js';

// A 5 s function enqueued at 0 with the default 60 s queue wait and 15 s recovery margin: deadline 85 s.
const wait: CallWait = { enqueuedAtMs: 0, queueWaitMs: 60_000, timeoutMs: 5000, recoveryMarginMs: 15_000 };
const ok = { status: 200, headers: {}, bodyBase64: '', startedAtMs: 1, finishedAtMs: 2, attempt: 1 };

describe('decideUnanswered', () => {
  test('the deadline is queue wait + timeout + recovery + timeout', () => {
    expect(answerDeadlineMs(wait)).toBe(85_000);
  });

  test.each<{ name: string; job: JobSnapshot; nowMs: number; want: unknown }>([
    {
      name: 'completed: answers from the stored result (the reply was missed)',
      job: { state: 'completed', result: ok },
      nowMs: 60_000,
      want: { kind: 'answer', result: ok },
    },
    {
      name: 'skipped by a replica as expired (it took the call as the gateway withdrew it): 504 QUEUE_TIMEOUT',
      job: { state: 'skipped' },
      nowMs: 61_000,
      want: {
        kind: 'answer',
        result: expect.objectContaining({
          status: 504,
          error: { code: 'QUEUE_TIMEOUT', message: 'no replica took the call within 60000 ms' },
        }),
      },
    },
    {
      name: 'never taken at the end of the queue wait: withdrawn',
      job: { state: 'queued', rerun: false },
      nowMs: 60_000,
      want: { kind: 'withdraw', code: 'QUEUE_TIMEOUT', message: 'no replica took the call within 60000 ms' },
    },
    {
      name: 'moved back after its replica died: waited for until the deadline, not withdrawn',
      job: { state: 'queued', rerun: true },
      nowMs: 60_000,
      want: { kind: 'recheck', atMs: 85_000 },
    },
    {
      name: 'a re-run nobody took by the deadline: withdrawn',
      job: { state: 'queued', rerun: true },
      nowMs: 85_000,
      want: {
        kind: 'withdraw',
        code: 'CALL_TIMEOUT',
        message: 'the replica running the call died and no other re-ran it in time',
      },
    },
    {
      name: 'running since 58 s: looked at again when its own timeout and recovery are over',
      job: { state: 'active', startedAtMs: 58_000 },
      nowMs: 60_000,
      want: { kind: 'recheck', atMs: 78_000 },
    },
    {
      name: 'running past its timeout and recovery: lost',
      job: { state: 'active', startedAtMs: 58_000 },
      nowMs: 78_000,
      want: {
        kind: 'give-up',
        message: 'no result within 20000 ms of the call starting; the replica running it was lost',
      },
    },
    {
      name: 'Redis unreachable: looks again in a second',
      job: { state: 'unreadable' },
      nowMs: 60_000,
      want: { kind: 'recheck', atMs: 61_000 },
    },
    {
      name: 'gone from the queue',
      job: { state: 'missing' },
      nowMs: 60_000,
      want: { kind: 'give-up', message: 'the call is no longer in the queue and no result came' },
    },
  ])('$name', ({ job, nowMs, want }) => {
    expect(decideUnanswered(job, wait, nowMs)).toEqual(want);
  });

  test('failed: answers 503 with the reason', () => {
    const decision = decideUnanswered(
      { state: 'failed', reason: 'job stalled more than allowable limit' },
      wait,
      9,
    );
    expect(decision).toMatchObject({
      kind: 'answer',
      result: { status: 503, error: { code: 'FUNCTION_UNAVAILABLE' } },
    });
  });
});
