import { describe, expect, test } from '@jest/globals';
import { bearerToken, sameSecret } from './credentials.js';

describe('sameSecret', () => {
  test.each([
    { given: 's3cret', secret: 's3cret', want: true },
    { given: 's3cre', secret: 's3cret', want: false },
    { given: 's3cret!', secret: 's3cret', want: false },
    { given: '', secret: 's3cret', want: false },
  ])('"$given" vs "$secret": $want', ({ given, secret, want }) => {
    expect(sameSecret(given, secret)).toBe(want);
  });
});

describe('bearerToken', () => {
  test.each([
    { authorization: 'Bearer abc', want: 'abc' },
    { authorization: 'Bearer ', want: '' },
    { authorization: 'Basic YWRtaW46eA==', want: undefined },
    { authorization: 'bearer abc', want: undefined },
    { authorization: undefined, want: undefined },
  ])('$authorization → $want', ({ authorization, want }) => {
    expect(bearerToken(authorization)).toBe(want);
  });
});
