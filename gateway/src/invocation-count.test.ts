import { expect, test } from '@jest/globals';
import { decodeCounter } from './invocation-count.js';

test.each([
  { name: 'absent', raw: null, want: 0 },
  { name: 'a count', raw: '42', want: 42 },
  { name: 'negative', raw: '-1', want: 0 },
  { name: 'not a number', raw: 'abc', want: 0 },
  { name: 'a float', raw: '1.5', want: 0 },
  { name: 'too long to be exact', raw: '1234567890123456789', want: 0 },
])('decodeCounter: $name', ({ raw, want }) => {
  expect(decodeCounter(raw)).toBe(want);
});
