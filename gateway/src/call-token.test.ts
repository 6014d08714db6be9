import { describe, expect, test } from '@jest/globals';
import { callTokenMatches, callTokenSha256, newCallToken, presentedCredential } from './call-token.js';

describe('call-read tokens', () => {
  const token = newCallToken();
  const stored = callTokenSha256(token);

  test.each([
    { name: 'the token itself', given: token, stored, want: true },
    { name: 'another token', given: newCallToken(), stored, want: false },
    { name: 'the stored hash presented as a token', given: stored, stored, want: false },
    { name: 'a prefix of the token', given: token.slice(0, 20), stored, want: false },
    { name: 'empty', given: '', stored, want: false },
    { name: 'a call stored without a token hash', given: token, stored: undefined, want: false },
    { name: 'a stored hash that is not 32 bytes', given: token, stored: 'abcd', want: false },
  ])('$name: $want', ({ given, stored: hash, want }) => {
    expect(callTokenMatches(given, hash)).toBe(want);
  });

  test('tokens are 43 base64url characters and differ each time', () => {
    const tokens = new Set(Array.from({ length: 100 }, newCallToken));
    expect({ distinct: tokens.size, shape: [...tokens].every((t) => /^[\w-]{43}$/.test(t)) }).toEqual({
      distinct: 100,
      shape: true,
    });
  });

  test('the stored form is hex SHA-256, not the token', () => {
    expect({ hex: /^[0-9a-f]{64}$/.test(stored), holdsToken: stored.includes(token) }).toEqual({
      hex: true,
      holdsToken: false,
    });
  });
});

describe('presentedCredential', () => {
  test.each([
    { name: 'X-Call-Token', callToken: 'abc', authorization: undefined, want: 'abc' },
    {
      name: 'X-Call-Token wins over Authorization',
      callToken: 'abc',
      authorization: 'Bearer xyz',
      want: 'abc',
    },
    { name: 'Bearer', callToken: undefined, authorization: 'Bearer xyz', want: 'xyz' },
    {
      name: 'empty X-Call-Token falls back to Bearer',
      callToken: '',
      authorization: 'Bearer xyz',
      want: 'xyz',
    },
    { name: 'Basic is not a bearer', callToken: undefined, authorization: 'Basic eHl6', want: undefined },
    { name: 'empty Bearer', callToken: undefined, authorization: 'Bearer ', want: undefined },
    { name: 'nothing', callToken: undefined, authorization: undefined, want: undefined },
  ])('$name', ({ callToken, authorization, want }) => {
    expect(presentedCredential({ callToken, authorization })).toBe(want);
  });
});
