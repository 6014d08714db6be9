import { describe, expect, test } from '@jest/globals';
import { errorCodes, type ErrorCode } from '../errors.js';
import { failureReason, parseFailureReason } from './failure-reason.js';

describe('failure reasons', () => {
  test.each(
    (Object.keys(errorCodes) as ErrorCode[]).map((code) => ({ code, message: `${code} happened: a: b` })),
  )('$code round-trips', ({ code, message }) => {
    expect(parseFailureReason(failureReason(code, message))).toEqual({ code, message });
  });

  test.each([
    { name: 'free text from BullMQ', reason: 'job stalled more than allowable limit' },
    { name: 'a function’s own status', reason: 'function answered 500' },
    { name: 'an unknown code', reason: 'NOT_A_CODE: x' },
    { name: 'a code without its separator', reason: 'CALL_TIMEOUT' },
    { name: 'a code not at the start', reason: 'x CALL_TIMEOUT: y' },
    { name: 'empty', reason: '' },
  ])('$name has no code and keeps its text', ({ reason }) => {
    expect(parseFailureReason(reason)).toEqual({ code: undefined, message: reason });
  });
});
