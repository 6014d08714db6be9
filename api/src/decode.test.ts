import { describe, expect, test } from '@jest/globals';
import {
  base64Of,
  decodeApiErrorMessage,
  decodeJson,
  decoded,
  describeValue,
  integerOf,
  isRecord,
  objectOf,
  oneOf,
  optional,
  parseJson,
  refused,
  stringOf,
  stringRecordOf,
  type Decoder,
} from './decode.js';

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

describe('field readers', () => {
  const point = objectOf({ x: integerOf(0, 10), label: optional(stringOf({ maxLength: 3 })) });
  test.each([
    { name: 'integer in range', decoder: integerOf(1, 3), value: 2, want: { ok: true, value: 2 } },
    { name: 'integer below range', decoder: integerOf(1, 3), value: 0, want: { ok: false } },
    { name: 'unsafe integer', decoder: integerOf(0, Infinity), value: 2 ** 53, want: { ok: false } },
    { name: 'NaN', decoder: integerOf(0, 3), value: NaN, want: { ok: false } },
    { name: 'string in bounds', decoder: stringOf({ maxLength: 3 }), value: 'abc', want: { ok: true } },
    { name: 'string too long', decoder: stringOf({ maxLength: 3 }), value: 'abcd', want: { ok: false } },
    {
      name: 'string off pattern',
      decoder: stringOf({ maxLength: 9, pattern: /^a+$/ }),
      value: 'ab',
      want: { ok: false },
    },
    { name: 'one of', decoder: oneOf(['a', 'b']), value: 'b', want: { ok: true, value: 'b' } },
    { name: 'none of', decoder: oneOf(['a', 'b']), value: 'c', want: { ok: false } },
    { name: 'base64', decoder: base64Of(3), value: 'AAEC', want: { ok: true } },
    { name: 'base64 of too many bytes', decoder: base64Of(3), value: 'AAECAw==', want: { ok: false } },
    { name: 'base64 with a stray character', decoder: base64Of(9), value: 'AA-C', want: { ok: false } },
    { name: 'object', decoder: point, value: { x: 1 }, want: { ok: true, value: { x: 1 } } },
    { name: 'object with optional', decoder: point, value: { x: 1, label: 'ab' }, want: { ok: true } },
    {
      name: 'optional null',
      decoder: point,
      value: { x: 1, label: null },
      want: { ok: false, error: 'label: must be a string, was null' },
    },
    {
      name: 'object drops unknown',
      decoder: point,
      value: { x: 1, y: 2 },
      want: { ok: true, value: { x: 1 } },
    },
    {
      name: 'nested path',
      decoder: objectOf({ p: point }),
      value: { p: { x: 11 } },
      want: { ok: false, error: 'p.x: must be an integer from 0 to 10, was 11' },
    },
    {
      name: 'inherited fields are not fields',
      decoder: point,
      value: Object.create({ x: 1 }) as unknown,
      want: { ok: false, error: 'x: is required' },
    },
  ])('$name', ({ decoder, value, want }) => {
    expect((decoder as Decoder<unknown>)(value)).toMatchObject(want);
  });

  test('a record key named __proto__ stays a key', () => {
    const headers = stringRecordOf({
      maxEntries: 4,
      maxTotalLength: 100,
      key: stringOf({ maxLength: 20 }),
      value: stringOf({ maxLength: 20 }),
    });
    const result = headers(JSON.parse('{"__proto__":"x"}'));
    expect(result.ok && Object.getPrototypeOf(result.value)).toBe(Object.prototype);
    expect(result.ok && Object.entries(result.value)).toEqual([['__proto__', 'x']]);
  });

  test('a refused value is described, not echoed', () => {
    expect(describeValue('x'.repeat(1000))).toBe('a string of 1000 characters');
  });
});

describe('decodeApiErrorMessage', () => {
  const status = {
    kind: 'Status',
    status: 'Failure',
    message:
      'Deployment.apps "fn-a" is invalid: spec.template.spec.containers[0].resources.limits[memory]: Invalid value: "lots"',
    reason: 'Invalid',
    code: 422,
  };
  test.each([
    { name: 'object body', body: status, want: decoded(status.message) },
    { name: 'JSON text body', body: JSON.stringify(status), want: decoded(status.message) },
    {
      name: 'a long message is cut',
      body: { message: 'x'.repeat(2000) },
      want: decoded(`${'x'.repeat(1024)}…`),
    },
    { name: 'no message', body: { kind: 'Status' }, want: refused('the API error body has no message') },
    { name: 'empty message', body: { message: ' ' }, want: refused('the API error body has no message') },
    { name: 'a number', body: 42, want: refused('an API error body must be an object, was 42') },
    { name: 'not JSON', body: '<html>', want: expect.objectContaining({ ok: false }) },
  ])('$name', ({ body, want }) => {
    expect(decodeApiErrorMessage(body)).toEqual(want);
  });
});
