import { describe, expect, test } from '@jest/globals';
import { isSince, logLine, logRequestOf, splitTimestamp, structuredLineTime } from './openfaas-logs.js';

const aliasing = { defaultNamespace: 'default', openfaasNamespace: 'openfaas-fn' };

describe('logRequestOf', () => {
  test.each([
    {
      name: 'name only: all lines, no follow',
      query: { name: 'echo' },
      want: { ref: { namespace: 'default', name: 'echo' }, follow: false },
    },
    {
      name: 'as faas-cli sends it: the alias, tail -1, follow',
      query: { name: 'echo', namespace: 'openfaas-fn', tail: '-1', follow: 'true' },
      want: { ref: { namespace: 'default', name: 'echo' }, follow: true },
    },
    {
      name: 'tail, since and instance',
      query: { name: 'echo.team-a', tail: '20', since: '2026-01-02T03:04:05Z', instance: 'fn-echo-abc' },
      want: {
        ref: { namespace: 'team-a', name: 'echo' },
        follow: false,
        tail: 20,
        sinceMs: Date.UTC(2026, 0, 2, 3, 4, 5),
        instance: 'fn-echo-abc',
      },
    },
    {
      name: 'a huge tail is capped',
      query: { name: 'echo', tail: '999999999' },
      want: { ref: { namespace: 'default', name: 'echo' }, follow: false, tail: 10_000 },
    },
    {
      name: 'follow=0',
      query: { name: 'echo', follow: '0' },
      want: { ref: { namespace: 'default', name: 'echo' }, follow: false },
    },
  ])('$name', ({ query, want }) => {
    expect(logRequestOf(query, aliasing)).toEqual({ ok: true, value: want });
  });

  test.each([
    { name: 'no name', query: {}, want: 'name: required' },
    { name: 'name twice', query: { name: ['a', 'b'] }, want: 'name: given more than once' },
    { name: 'tail not a number', query: { name: 'echo', tail: 'ten' }, want: 'tail: must be an integer' },
    {
      name: 'since not a time',
      query: { name: 'echo', since: 'yesterday' },
      want: 'since: must be an RFC 3339',
    },
    {
      name: 'follow not a boolean',
      query: { name: 'echo', follow: 'yes' },
      want: 'follow: must be true or false',
    },
  ])('refused: $name', ({ query, want }) => {
    const result = logRequestOf(query, aliasing);
    expect(result.ok ? '' : result.error).toContain(want);
  });
});

test('logLine is one faas-provider logs.Message per line', () => {
  const message = {
    name: 'echo',
    namespace: 'default',
    instance: 'echo-0',
    timestamp: '2026-01-02T03:04:05Z',
    text: 'hi',
  };
  expect(logLine(message)).toBe(
    '{"name":"echo","namespace":"default","instance":"echo-0","timestamp":"2026-01-02T03:04:05Z","text":"hi"}\n',
  );
});

test.each([
  {
    line: '2026-01-02T03:04:05.123456789Z hello world',
    want: { timestamp: '2026-01-02T03:04:05.123456789Z', text: 'hello world' },
  },
  { line: '2026-01-02T03:04:05Z', want: { timestamp: '2026-01-02T03:04:05Z', text: '' } },
  { line: 'no stamp here', want: { text: 'no stamp here' } },
  { line: '', want: { text: '' } },
])('splitTimestamp($line)', ({ line, want }) => {
  expect(splitTimestamp(line)).toEqual(want);
});

test.each([
  { line: '{"level":"info","time":"2026-01-02T03:04:05.678Z","msg":"x"}', want: '2026-01-02T03:04:05.678Z' },
  { line: '{"time":"not a time"}', want: undefined },
  { line: '{ broken', want: undefined },
  { line: 'plain text', want: undefined },
  { line: '[1,2]', want: undefined },
])('structuredLineTime($line)', ({ line, want }) => {
  expect(structuredLineTime(line)).toBe(want);
});

test.each([
  { timestamp: '2026-01-02T03:04:05Z', since: undefined, want: true },
  { timestamp: '2026-01-02T03:04:05Z', since: Date.UTC(2026, 0, 2, 3, 4, 5), want: true },
  { timestamp: '2026-01-02T03:04:04Z', since: Date.UTC(2026, 0, 2, 3, 4, 5), want: false },
])('isSince($timestamp, $since) is $want', ({ timestamp, since, want }) => {
  expect(isSince(timestamp, since)).toBe(want);
});
