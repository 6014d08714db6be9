import { describe, expect, test } from '@jest/globals';
import { BoundedBody, declaredTooLarge, responseTooLarge } from './bounded-body.js';

describe('BoundedBody', () => {
  test.each([
    { name: 'under the limit', chunks: [3, 4], limit: 10, kept: 7, overflowed: false },
    { name: 'exactly the limit', chunks: [5, 5], limit: 10, kept: 10, overflowed: false },
    { name: 'one byte past', chunks: [5, 6], limit: 10, kept: 0, overflowed: true },
    { name: 'past, then more', chunks: [11, 1, 1], limit: 10, kept: 0, overflowed: true },
    { name: 'empty', chunks: [], limit: 10, kept: 0, overflowed: false },
  ])('$name', ({ chunks, limit, kept, overflowed }) => {
    const body = new BoundedBody(limit);
    const accepted = chunks.map((n) => body.add(Buffer.alloc(n, 1)));
    expect({ kept: body.concat().length, overflowed: body.overflowed(), seen: body.bytesSeen() }).toEqual({
      kept,
      overflowed,
      seen: chunks.reduce((a, b) => a + b, 0),
    });
    expect(accepted.every(Boolean)).toBe(!overflowed);
  });
});

describe('declaredTooLarge', () => {
  test.each([
    { contentLength: undefined, want: false },
    { contentLength: '10', want: false },
    { contentLength: '11', want: true },
    { contentLength: '1e9', want: false },
    { contentLength: '-5', want: false },
    { contentLength: '', want: false },
  ])('Content-Length $contentLength against 10: $want', ({ contentLength, want }) => {
    expect(declaredTooLarge(contentLength, 10)).toBe(want);
  });
});

test('responseTooLarge names the limit and what was seen', () => {
  expect(responseTooLarge(8, 9)).toMatchObject({
    status: 502,
    error: {
      code: 'RESPONSE_TOO_LARGE',
      message: "the function's response is larger than its spec.maxResponseBytes (8 bytes): 9 bytes or more",
    },
  });
});
