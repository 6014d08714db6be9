import { describe, expect, test } from '@jest/globals';
import { errorMessage } from './log.js';

describe('errorMessage', () => {
  test.each<{ error: unknown; want: string }>([
    { error: new Error('plain'), want: 'plain' },
    { error: 'a string', want: 'a string' },
    {
      error: new Error('writing Secret ns/fn-a-redis', { cause: new Error('HTTP-Code: 403') }),
      want: 'writing Secret ns/fn-a-redis: HTTP-Code: 403',
    },
    {
      error: new Error('a', {
        cause: new Error('b', { cause: new Error('c', { cause: new Error('d', { cause: 'e' }) }) }),
      }),
      want: 'a: b: c: d',
    },
  ])('$want', ({ error, want }) => expect(errorMessage(error)).toBe(want));
});
