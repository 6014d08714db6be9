import { describe, expect, test } from '@jest/globals';
import { splitInvocationUrl } from './invoke.js';

describe('splitInvocationUrl', () => {
  test.each([
    { url: '/function/echo', prefix: '/function/echo', want: { path: '/', query: '' } },
    { url: '/function/echo?x=1&y=2', prefix: '/function/echo', want: { path: '/', query: 'x=1&y=2' } },
    { url: '/function/echo/a/b?x=1', prefix: '/function/echo', want: { path: '/a/b', query: 'x=1' } },
    { url: '/function/echo.team/a?', prefix: '/function/echo.team', want: { path: '/a', query: '' } },
    { url: '/async-function/echo/x', prefix: '/async-function/echo', want: { path: '/x', query: '' } },
  ])('$url', ({ url, prefix, want }) => {
    expect(splitInvocationUrl(url, prefix)).toEqual(want);
  });
});
