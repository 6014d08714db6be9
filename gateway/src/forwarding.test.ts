import { describe, expect, test } from '@jest/globals';
import { headersToClient, headersToFunction, splitInvocationUrl } from './forwarding.js';

describe('splitInvocationUrl', () => {
  test.each([
    { url: '/function/echo', prefix: '/function/', want: { path: '/', query: '' } },
    { url: '/function/echo?x=1&y=2', prefix: '/function/', want: { path: '/', query: 'x=1&y=2' } },
    { url: '/function/echo/a/b?x=1', prefix: '/function/', want: { path: '/a/b', query: 'x=1' } },
    { url: '/function/echo.team/a?', prefix: '/function/', want: { path: '/a', query: '' } },
    { url: '/async-function/echo/x', prefix: '/async-function/', want: { path: '/x', query: '' } },
    // The name decodes to `reflect` (7 characters); the rest is what the client sent, not `ct/x`.
    { url: '/function/%72eflect/x', prefix: '/function/', want: { path: '/x', query: '' } },
    {
      url: '/function/echo/a%2Fb/%20?q=%26',
      prefix: '/function/',
      want: { path: '/a%2Fb/%20', query: 'q=%26' },
    },
    { url: '/function/echo//double', prefix: '/function/', want: { path: '//double', query: '' } },
  ])('$url', ({ url, prefix, want }) => {
    expect(splitInvocationUrl(url, prefix)).toEqual(want);
  });
});

describe('headersToFunction', () => {
  const hop = { remoteAddress: '127.0.0.1', protocol: 'http' };
  test.each([
    {
      name: 'appends this hop to X-Forwarded-*',
      headers: { host: 'gw:8080', accept: ['*/*'] },
      want: {
        host: undefined,
        accept: '*/*',
        'x-forwarded-for': '127.0.0.1',
        'x-forwarded-proto': 'http',
        'x-forwarded-host': 'gw:8080',
      },
    },
    {
      name: 'keeps earlier proxies in X-Forwarded-For',
      headers: { host: 'gw', 'x-forwarded-for': ['203.0.113.9', '10.0.0.1'], 'x-forwarded-proto': ['https'] },
      want: { 'x-forwarded-for': '203.0.113.9, 10.0.0.1, 127.0.0.1', 'x-forwarded-proto': 'https, http' },
    },
    {
      name: 'never passes X-Callback-Url to the function',
      headers: { host: 'gw', 'x-callback-url': ['http://127.0.0.1:1/'] },
      want: { 'x-callback-url': undefined },
    },
    {
      name: 'drops hop-by-hop headers and those Connection names',
      headers: {
        host: 'gw',
        connection: ['keep-alive, X-Secret'],
        'x-secret': ['s'],
        te: ['trailers'],
        'x-ok': ['1'],
      },
      want: { connection: undefined, 'x-secret': undefined, te: undefined, 'x-ok': '1' },
    },
    {
      name: 'keeps a repeated header as its values',
      headers: { host: 'gw', 'x-multi': ['a', 'b'] },
      want: { 'x-multi': ['a', 'b'] },
    },
  ])('$name', ({ headers, want }) => {
    const out = headersToFunction(headers, hop);
    // An undefined in `want` means the header must be absent.
    expect(Object.fromEntries(Object.keys(want).map((name) => [name, out[name]]))).toEqual(want);
  });
});

describe('headersToClient', () => {
  const platform = { 'x-call-id': 'ns.fn.1', 'x-duration-seconds': '0.010' };
  test.each([
    {
      name: "the function's X-Call-Id and X-Spool-* are replaced or dropped",
      headers: {
        'x-call-id': 'forged',
        'x-spool-error': 'CALL_TIMEOUT',
        'X-Spool-Anything': 'x',
        'x-own': 'y',
      },
      want: { 'x-call-id': 'ns.fn.1', 'x-duration-seconds': '0.010', 'x-own': 'y' },
    },
    {
      name: 'two Set-Cookie stay two',
      headers: { 'set-cookie': ['a=1', 'b=2'], 'content-type': 'text/plain' },
      want: { ...platform, 'set-cookie': ['a=1', 'b=2'], 'content-type': 'text/plain' },
    },
    {
      name: 'hop-by-hop and Connection-listed headers are dropped',
      headers: {
        connection: 'x-hop',
        'x-hop': '1',
        'transfer-encoding': 'chunked',
        'content-length': '9',
        'keep-alive': 'timeout=5',
      },
      want: platform,
    },
  ])('$name', ({ headers, want }) => {
    expect(headersToClient(headers, platform)).toEqual(want);
  });
});
