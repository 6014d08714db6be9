import { describe, expect, test } from '@jest/globals';
import { forwardableHeaders, headerValues, outgoingHeaders } from './job.js';

describe('forwardableHeaders', () => {
  test.each([
    {
      name: 'lower-cases names and drops hop-by-hop headers',
      headers: { 'Content-Type': 'text/plain', Host: 'x', 'Transfer-Encoding': 'chunked', Upgrade: 'h2c' },
      want: { 'content-type': 'text/plain' },
    },
    {
      name: 'drops the headers Connection names',
      headers: { connection: 'close, X-Private , keep-alive', 'x-private': '1', 'x-public': '2' },
      want: { 'x-public': '2' },
    },
    {
      name: 'keeps each Set-Cookie',
      headers: { 'set-cookie': ['a=1; Path=/', 'b=2'] },
      want: { 'set-cookie': ['a=1; Path=/', 'b=2'] },
    },
    {
      name: 'merges names that differ only in case into one list',
      headers: { 'X-Tag': 'a', 'x-tag': ['b'] },
      want: { 'x-tag': ['a', 'b'] },
    },
    {
      name: 'a single-valued header keeps its first line, as node does',
      headers: { 'content-type': ['text/plain', 'text/html'] },
      want: { 'content-type': 'text/plain' },
    },
    { name: 'a number becomes a string', headers: { 'x-n': 3 }, want: { 'x-n': '3' } },
  ])('$name', ({ headers, want }) => {
    expect(forwardableHeaders(headers)).toEqual(want);
  });
});

describe('headerValues and outgoingHeaders', () => {
  test('every value of a header, case-insensitively; lists become mutable arrays for node', () => {
    const headers = { 'Set-Cookie': ['a=1'], 'set-cookie': 'b=2', other: 'x' };
    expect({
      values: headerValues(headers, 'SET-COOKIE'),
      outgoing: outgoingHeaders({ 'set-cookie': Object.freeze(['a=1', 'b=2']), other: 'x' }),
    }).toEqual({ values: ['a=1', 'b=2'], outgoing: { 'set-cookie': ['a=1', 'b=2'], other: 'x' } });
  });
});
