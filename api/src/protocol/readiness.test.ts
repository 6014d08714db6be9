import { describe, expect, test } from '@jest/globals';
import { decodeReadinessReason, encodeCrashLoopReason, MAX_READINESS_BODY_CHARS } from './readiness.js';

describe('readiness reason', () => {
  test('a crash loop round-trips', () => {
    expect(decodeReadinessReason(`${encodeCrashLoopReason('exited with code 3: boom')}\n`)).toEqual({
      ok: true,
      value: { kind: 'crash-loop', lastExit: 'exited with code 3: boom' },
    });
  });

  test.each([
    {
      name: 'another reason',
      raw: 'the user process is not ready\n',
      want: { ok: true, value: { kind: 'other', text: 'the user process is not ready' } },
    },
    {
      name: 'a crash loop with nothing after it',
      raw: 'crash-loop: ',
      want: { ok: true, value: { kind: 'crash-loop', lastExit: 'exit unknown' } },
    },
    {
      name: 'too long',
      raw: 'x'.repeat(MAX_READINESS_BODY_CHARS + 2),
      want: { ok: false, error: `a readiness body must be at most ${MAX_READINESS_BODY_CHARS} characters` },
    },
  ])('$name', ({ raw, want }) => {
    expect(decodeReadinessReason(raw)).toEqual(want);
  });

  test('the encoder never writes more than the decoder takes', () => {
    expect(encodeCrashLoopReason('y'.repeat(10_000))).toHaveLength(MAX_READINESS_BODY_CHARS);
  });
});
