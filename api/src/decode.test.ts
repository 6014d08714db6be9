import { describe, expect, test } from '@jest/globals';
import { decodeJson, decoded, isRecord, parseJson, refused } from './decode.js';

const decodeName = (v: unknown) =>
  isRecord(v) && typeof v['name'] === 'string' ? decoded(v['name']) : refused<string>('no name');

describe('parseJson and decodeJson', () => {
  test.each([
    { name: 'valid JSON decoded', raw: '{"name":"echo"}', want: { ok: true, value: 'echo' } },
    { name: 'not JSON', raw: 'not json', want: { ok: false } },
    { name: 'wrong shape', raw: '[1,2]', want: { ok: false, error: 'no name' } },
    { name: 'oversized input refused unread', raw: `"${'x'.repeat(1024 * 1024)}"`, want: { ok: false } },
  ])('$name', ({ raw, want }) => {
    expect(decodeJson(raw, decodeName)).toMatchObject(want);
  });

  test('a refusal says why', () => {
    const result = parseJson('{"a":');
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toMatch(/^not JSON: /);
  });
});
