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
    { authorization: 'Bearer ', want: undefined },
    { authorization: 'Basic YWRtaW46eA==', want: undefined },
    // The scheme is case-insensitive (RFC 9110 section 11.1).
    { authorization: 'bearer abc', want: 'abc' },
    { authorization: undefined, want: undefined },
  ])('$authorization → $want', ({ authorization, want }) => {
    expect(bearerToken(authorization)).toBe(want);
  });
});
