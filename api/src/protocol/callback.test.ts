import { describe, expect, test } from '@jest/globals';
import type { CallbackJob } from '../job.js';
import { platformFailure } from '../job.js';
import { decodeCallbackJob } from './callback.js';

const job: CallbackJob = {
  callId: 'default.echo.6f1c2a4e-0b3d-4c5e-8f70-1a2b3c4d5e6f',
  callbackUrl: 'http://127.0.0.1:9/hook',
  result: { ...platformFailure('FUNCTION_CRASHED', 'exited 1'), startedAtMs: 1, finishedAtMs: 2, attempt: 2 },
};
const wire = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

describe('the callback job', () => {
  test('round-trips', () => {
    expect(decodeCallbackJob(wire(job))).toEqual({ ok: true, value: job });
  });

  test.each([
    { name: 'no URL', value: { ...job, callbackUrl: undefined }, error: /^callbackUrl: is required/ },
    {
      name: 'a URL that is not http',
      value: { ...job, callbackUrl: 'gopher://x.test/' },
      error: /^callbackUrl:/,
    },
    { name: 'a bad call id', value: { ...job, callId: 'a.b' }, error: /^callId:/ },
    {
      name: 'a bad result',
      value: { ...job, result: { ...job.result, status: 0 } },
      error: /^result\.status:/,
    },
    { name: 'a string', value: 'job', error: /^must be an object/ },
  ])('refuses $name', ({ value, error }) => {
    const decoded = decodeCallbackJob(wire(value));
    expect(decoded.ok ? '' : decoded.error).toMatch(error);
  });
});
