import { describe, expect, test } from '@jest/globals';
import { UnrecoverableError } from 'bullmq';
import type { CallbackJob } from '@spool/api';
import { attemptCallback, isLastAttempt } from './callback-attempts.js';

const callback: CallbackJob = {
  callId: 'default.echo.6f1c2a4e-0b3d-4c5e-8f70-1a2b3c4d5e6f',
  callbackUrl: 'http://127.0.0.1:9/hook',
  result: { status: 200, headers: {}, bodyBase64: '', startedAtMs: 1, finishedAtMs: 2, attempt: 1 },
};
const failing = (): Promise<void> => Promise.reject(new Error('callback answered 500'));

describe('callback attempts', () => {
  test.each([
    { attemptsMade: 0, maxAttempts: 1, last: true },
    { attemptsMade: 0, maxAttempts: 5, last: false },
    { attemptsMade: 3, maxAttempts: 5, last: false },
    { attemptsMade: 4, maxAttempts: 5, last: true },
  ])(
    'attempt $attemptsMade + 1 of $maxAttempts is the last: $last',
    ({ attemptsMade, maxAttempts, last }) => {
      expect(isLastAttempt(attemptsMade, maxAttempts)).toBe(last);
    },
  );

  test.each([
    { name: 'a failure before the last attempt is retried', attemptsMade: 1, unrecoverable: false },
    { name: 'a failure at the last attempt is final', attemptsMade: 2, unrecoverable: true },
  ])('$name', async ({ attemptsMade, unrecoverable }) => {
    const attempt = attemptCallback({ data: callback, attemptsMade }, failing, {
      maxAttempts: 3,
      onMalformed: () => undefined,
    });
    await expect(attempt).rejects.toThrow('callback answered 500');
    expect(await attempt.catch((e: unknown) => e instanceof UnrecoverableError)).toBe(unrecoverable);
  });

  test('a malformed callback job is refused unretried and reported, never delivered', async () => {
    const reported: string[] = [];
    const delivered: CallbackJob[] = [];
    const attempt = attemptCallback(
      { data: { ...callback, callbackUrl: 'file:///etc/passwd' }, attemptsMade: 0 },
      (c) => Promise.resolve(void delivered.push(c)),
      { maxAttempts: 5, onMalformed: (e) => reported.push(e) },
    );
    await expect(attempt).rejects.toThrow(/^INVALID_REQUEST: callback job refused: callbackUrl:/);
    expect(await attempt.catch((e: unknown) => e instanceof UnrecoverableError)).toBe(true);
    expect({ reported: reported.length, delivered }).toEqual({ reported: 1, delivered: [] });
  });
});
