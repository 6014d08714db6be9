import { describe, expect, test } from '@jest/globals';
import { decodeCallCounter } from './observe.js';

describe('decodeCallCounter', () => {
  test.each([
    { name: 'never written', value: null, want: 0 },
    { name: 'an INCR count', value: '42', want: 42 },
    { name: 'zero', value: '0', want: 0 },
    { name: 'negative (not written by INCR)', value: '-1', want: undefined },
    { name: 'not a number', value: 'warm please', want: undefined },
    { name: 'a fraction', value: '1.5', want: undefined },
    { name: 'beyond exact integers', value: '9'.repeat(16), want: undefined },
    { name: 'not a string', value: 7, want: undefined },
  ])('$name', ({ value, want }) => {
    expect(decodeCallCounter(value)).toBe(want);
  });
});
