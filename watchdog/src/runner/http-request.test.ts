import { describe, expect, test } from '@jest/globals';
import { forkVars, requestHeaders, requestPath } from './http-request.js';
import { callFailedMessage } from './fork-runner.js';

const request = { method: 'POST', path: '/a/b', query: 'x=1&y=2', headers: {}, bodyBase64: '' };

describe('requestPath', () => {
  test.each([
    { name: 'with a query', path: '/a', query: 'x=1', want: '/a?x=1' },
    { name: 'without a query', path: '/a', query: '', want: '/a' },
    { name: 'root', path: '/', query: 'q', want: '/?q' },
  ])('$name', ({ path, query, want }) => {
    expect(requestPath({ path, query })).toBe(want);
  });
});

describe('requestHeaders', () => {
  test.each([
    {
      name: 'adds the call id and the exact length',
      headers: { 'content-type': 'text/plain' },
      want: { 'content-type': 'text/plain', 'x-call-id': 'ns.fn.1', 'content-length': '5' },
    },
    {
      name: 'drops hop-by-hop headers and a forged call id',
      headers: { Connection: 'close', 'Content-Length': '99', 'X-Call-Id': 'forged', Accept: '*/*' },
      want: { accept: '*/*', 'x-call-id': 'ns.fn.1', 'content-length': '5' },
    },
    {
      name: 'never passes X-Callback-Url on, nor headers Connection names',
      headers: { 'x-callback-url': 'http://127.0.0.1:1/', connection: 'x-hop', 'x-hop': '1' },
      want: { 'x-call-id': 'ns.fn.1', 'content-length': '5' },
    },
    {
      name: 'keeps a repeated header as its lines',
      headers: { 'x-multi': ['a', 'b'] },
      want: { 'x-multi': ['a', 'b'], 'x-call-id': 'ns.fn.1', 'content-length': '5' },
    },
  ])('$name', ({ headers, want }) => {
    expect(requestHeaders({ callId: 'ns.fn.1', request: { ...request, headers } }, 5)).toEqual(want);
  });
});

describe('forkVars', () => {
  test('names the call and its request', () => {
    expect(forkVars({ callId: 'ns.fn.1', request })).toEqual({
      SPOOL_HTTP_METHOD: 'POST',
      SPOOL_HTTP_PATH: '/a/b',
      SPOOL_HTTP_QUERY: 'x=1&y=2',
      SPOOL_CALL_ID: 'ns.fn.1',
    });
  });
});

describe('callFailedMessage', () => {
  test.each([
    {
      name: 'with stderr',
      exit: { code: 2, signal: null },
      stderr: 'boom\n',
      want: 'process exited with code 2: boom',
    },
    {
      name: 'without stderr',
      exit: { code: 1, signal: null },
      stderr: '  ',
      want: 'process exited with code 1',
    },
  ])('$name', ({ exit, stderr, want }) => {
    expect(callFailedMessage(exit, stderr)).toBe(want);
  });
});
