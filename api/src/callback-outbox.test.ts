import { describe, expect, test } from '@jest/globals';
import { decodeOutboxEntry } from './callback-outbox.js';
import { callId } from './queue-names.js';

const owner = { namespace: 'team-a', name: 'echo' };
const result = {
  status: 200,
  headers: { 'content-type': 'text/plain' },
  bodyBase64: 'aGk=',
  startedAtMs: 1,
  finishedAtMs: 2,
  attempt: 1,
};
const entry = (over: Record<string, unknown> = {}): string =>
  JSON.stringify({
    callId: callId(owner, '6f1c2a4e-0b3d-4c5e-8f70-1a2b3c4d5e6f'),
    callbackUrl: 'http://127.0.0.1:9/cb',
    result,
    ...over,
  });

describe('decodeOutboxEntry', () => {
  test('a callback of its own call round-trips', () => {
    expect(decodeOutboxEntry(entry(), owner)).toEqual({
      ok: true,
      value: {
        callId: callId(owner, '6f1c2a4e-0b3d-4c5e-8f70-1a2b3c4d5e6f'),
        callbackUrl: 'http://127.0.0.1:9/cb',
        result,
      },
    });
  });

  test('a result with repeated header lines (two Set-Cookie) is carried as it is', () => {
    const cookies = { ...result, headers: { 'set-cookie': ['a=1', 'b=2'] } };
    const decoded = decodeOutboxEntry(entry({ result: cookies }), owner);
    expect(decoded.ok && decoded.value.result).toEqual(cookies);
  });

  test('fields the decoder does not know are not carried on', () => {
    const decoded = decodeOutboxEntry(entry({ result: { ...result, extra: 'x' }, more: 1 }), owner);
    expect(decoded.ok && decoded.value).toEqual({
      callId: callId(owner, '6f1c2a4e-0b3d-4c5e-8f70-1a2b3c4d5e6f'),
      callbackUrl: 'http://127.0.0.1:9/cb',
      result,
    });
  });

  test.each([
    { name: 'not JSON', raw: 'not json' },
    { name: 'an array', raw: '[]' },
    {
      name: 'a call of another function',
      raw: entry({
        callId: callId({ namespace: 'team-b', name: 'echo' }, '6f1c2a4e-0b3d-4c5e-8f70-1a2b3c4d5e6f'),
      }),
    },
    { name: 'a malformed call id', raw: entry({ callId: 'x' }) },
    { name: 'a non-http callback URL', raw: entry({ callbackUrl: 'file:///etc/passwd' }) },
    { name: 'no result', raw: entry({ result: undefined }) },
    { name: 'a status out of range', raw: entry({ result: { ...result, status: 99999 } }) },
    { name: 'headers that are not strings', raw: entry({ result: { ...result, headers: { a: 1 } } }) },
    {
      name: 'an unknown error code',
      raw: entry({ result: { ...result, error: { code: 'NOPE', message: 'x' } } }),
    },
  ])('refuses $name', ({ raw }) => {
    expect(decodeOutboxEntry(raw, owner).ok).toBe(false);
  });
});
